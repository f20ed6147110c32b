/**
 * Bench-only infrastructure: a private redis-server (so INFO commandstats counts only the bench), a fresh
 * database on the MongoDB-compatible server, real key files in a temp dir. Everything started here is
 * stopped by `cleanup()`; the runner calls it whatever happens.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { redisPing } from "../scripts/lib/services.mjs";
import { cryptoReady, generateBoxKeyPair, newKeyId } from "../src/crypto/index.js";
import {
  generateKeys,
  loadRoleKeys,
  type ServeKeys,
  setTeamPublicKey,
  type WorkKeys,
} from "../src/keys/index.js";
import { createLogger } from "../src/log/index.js";

const cleanups: Array<() => Promise<void> | void> = [];

/** Runs every registered cleanup, newest first. */
export async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn?.();
    } catch {
      // Best effort: the next cleanup still runs.
    }
  }
}

/** Registers a cleanup for `cleanup()`. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return false;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGKILL");
  await exited;
}

/** A private, in-memory redis-server (noeviction) on a free port; stopped by `cleanup()`. */
export async function privateRedis(): Promise<{ url: string; port: number }> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore" },
  );
  onCleanup(() => stop(child));
  const up = await until(async () => (await redisPing("127.0.0.1", port, 500)) === "+PONG", 15_000);
  if (!up) throw new Error("private redis-server did not start");
  return { url: `redis://127.0.0.1:${port}`, port };
}

/** A fresh database on the MongoDB-compatible server at MONGODB_URI (dropped by `cleanup()`). */
export function benchMongoUri(): string {
  const base = process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake";
  const url = new URL(base);
  const dbName = `bench_${randomBytes(4).toString("hex")}`;
  url.pathname = `/${dbName}`;
  onCleanup(async () => {
    const client = new MongoClient(url.toString(), { serverSelectionTimeoutMS: 3000 });
    try {
      await client.connect();
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  });
  return url.toString();
}

/** Real key files (with a team public key) in a temp dir, loaded for both roles. */
export async function benchKeys(): Promise<{ dir: string; serve: ServeKeys; work: WorkKeys }> {
  await cryptoReady();
  const root = mkdtempSync(join(tmpdir(), "intake-bench-keys-"));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, "keys");
  await generateKeys(dir);
  setTeamPublicKey(dir, newKeyId(), generateBoxKeyPair().publicKey);
  const log = createLogger({ level: "silent" });
  return { dir, serve: await loadRoleKeys(dir, "serve", log), work: await loadRoleKeys(dir, "work", log) };
}

/** INFO commandstats as {command: calls}. */
export function parseCommandStats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of info.split("\n")) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]));
  }
  return out;
}
