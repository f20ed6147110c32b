import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { ferretdbBinary, mongoPing, redisPing } from "../../../scripts/lib/services.mjs";

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
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

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

/** A child process this test file started; killed (SIGKILL) after the file whatever happens. */
export interface OwnProcess {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
  pause(): void;
  resume(): void;
}

const started = new Set<ChildProcess>();
const dirs = new Set<string>();

// Registered when a test file imports this module (at collection time), so it runs after the file.
afterAll(async () => {
  await Promise.all([...started].map((c) => killAndWait(c)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function track(child: ChildProcess): void {
  started.add(child);
  child.once("exit", () => started.delete(child));
}

/** Sends SIGKILL (after SIGCONT, in case it was paused) and waits for the exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGCONT");
  child.kill("SIGKILL");
  await exited;
}

function own(child: ChildProcess, port: number): OwnProcess {
  track(child);
  return {
    child,
    port,
    stop: () => killAndWait(child),
    pause: () => {
      child.kill("SIGSTOP");
    },
    resume: () => {
      child.kill("SIGCONT");
    },
  };
}

/** Starts a private redis-server (nothing on disk) with extra arguments, e.g. an eviction policy. */
export async function startRedis(args: readonly string[] = []): Promise<OwnProcess> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
    { stdio: "ignore" },
  );
  const p = own(child, port);
  await waitUntil(async () => (await redisPing("127.0.0.1", port, 500)) === "+PONG", "redis-server");
  return p;
}

/**
 * A private FerretDB on SQLite in a temp dir (or on `dataDir`, e.g. a copy of another one's files);
 * `restart` starts it again on the same port and data; `dir` is where its database files are.
 */
export async function startFerret(
  dataDir?: string,
): Promise<OwnProcess & { dir: string; restart(): Promise<OwnProcess> }> {
  const bin = ferretdbBinary(() => {});
  if (!bin) throw new Error("FerretDB binary not available");
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "intake-ferret-"));
  dirs.add(dir);
  const port = await freePort();
  const launch = async (): Promise<OwnProcess> => {
    const child = spawn(
      bin,
      ["-listen-addr", `127.0.0.1:${port}`, "-sqlite-url", `file:${dir}/`, "-log-level", "error"],
      { stdio: "ignore" },
    );
    const p = own(child, port);
    await waitUntil(() => mongoPing("127.0.0.1", port, 500), "FerretDB");
    return p;
  };
  const first = await launch();
  return { ...first, dir, restart: launch };
}

/** Starts `node --import tsx <script>` with an IPC channel; resolves once the child sends "ready". */
export async function startNodeChild(
  script: string,
  env: Record<string, string>,
  output: string[] = [],
): Promise<OwnProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const p = own(child, 0);
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("child did not become ready")), 30_000);
    child.once("message", () => {
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited early (${code})`));
    });
  });
  return p;
}
