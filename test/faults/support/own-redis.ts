import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisPing } from "../../../scripts/lib/services.mjs";

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

/** Polls `check` every 50 ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sends SIGKILL (after SIGCONT, in case it was stopped) and waits for the exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGCONT");
  child.kill("SIGKILL");
  await exited;
}

/** A redis-server of the test's own, persisting every write to an append-only file before it answers. */
export interface AofRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no shutdown save, only what the AOF already holds survives. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and AOF directory; resolves once it answers PING. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

/**
 * Starts a private Redis with `--appendonly yes --appendfsync always` (an acknowledged write is on disk)
 * in a temp dir, on a free port. Loopback only.
 */
export async function startAofRedis(): Promise<AofRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "intake-aof-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--maxmemory-policy",
        "noeviction",
      ],
      { stdio: "ignore" },
    );
    await waitUntil(
      "redis-server",
      async () => (await redisPing("127.0.0.1", port, 500)) === "+PONG",
      20_000,
    );
  };
  const kill = async () => {
    if (child) await killAndWait(child);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
