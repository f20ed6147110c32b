import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";

/**
 * `npm run demo` as a user runs it: `node scripts/demo.mjs` until it prints its URLs, then Ctrl-C (SIGINT to
 * its process group, as a terminal sends it). Its own Redis prefix, database, key directory, state
 * directory and ports keep it apart from other tests and from a developer's demo. Afterwards no process it
 * started may be left, and a second run reuses the keys and the admin.
 */

const redis = useTestRedis();
const mongo = useTestMongo();
const scratch = mkdtempSync(join(tmpdir(), "demo-script-"));
const keysDir = join(scratch, "keys");
const stateDir = join(scratch, "state");
const running = new Set<ChildProcess>();

afterAll(() => {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
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

/** Every live process whose environment carries this test's Redis prefix: the demo and all it started. */
function processesOfThisTest(): number[] {
  const marker = `REDIS_PREFIX=${redis.prefix}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      if (state !== "Z" && environ.split("\0").includes(marker)) found.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface DemoRun {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

async function startDemo(ports: { intake: number; telegram: number; twilio: number }): Promise<DemoRun> {
  const child = spawn(
    process.execPath,
    [
      join(projectRoot, "scripts", "demo.mjs"),
      "--state-dir",
      stateDir,
      "--telegram-port",
      String(ports.telegram),
      "--twilio-port",
      String(ports.twilio),
    ],
    {
      cwd: projectRoot,
      // Its own process group, like a shell job: SIGINT to the group is what Ctrl-C sends.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PORT: String(ports.intake),
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        MONGODB_URI: mongo.uri,
        KEYS_DIR: keysDir,
        LOG_LEVEL: "warn",
      },
    },
  );
  running.add(child);
  let text = "";
  child.stdout?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const deadline = Date.now() + 150_000;
  while (!text.includes("Press Ctrl-C") && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`demo exited early:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!text.includes("Press Ctrl-C")) throw new Error(`demo did not become ready:\n${text}`);
  return { child, output: () => text, exited };
}

/** Says hello on both simulated phones and waits for the bot's first reply on each. */
async function botAnswers(simulatorPort: number): Promise<void> {
  const api = `http://127.0.0.1:${simulatorPort}/simulator/api`;
  for (const channel of ["telegram", "sms"]) {
    const sent = await fetch(`${api}/${channel}/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "Hello" }),
    });
    expect(((await sent.json()) as { status: number }).status).toBe(200);
  }
  const deadline = Date.now() + 30_000;
  let state = { telegram: [] as Array<{ fromUser: boolean }>, sms: [] as Array<{ fromUser: boolean }> };
  while (Date.now() < deadline) {
    state = (await (await fetch(`${api}/state`)).json()) as typeof state;
    if (state.telegram.some((m) => !m.fromUser) && state.sms.some((m) => !m.fromUser)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(state.telegram.some((m) => !m.fromUser)).toBe(true);
  expect(state.sms.some((m) => !m.fromUser)).toBe(true);
}

function startedPids(output: string): number[] {
  return [...output.matchAll(/\[demo\] [\w-]+: started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

async function ctrlC(run: DemoRun): Promise<number | null> {
  const pid = run.child.pid;
  if (pid === undefined) throw new Error("no pid");
  process.kill(-pid, "SIGINT");
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 40_000));
  return Promise.race([run.exited, timeout]) as Promise<number | null>;
}

describe("npm run demo", () => {
  let firstOutput = "";

  it("starts everything on free ports, answers /readyz and serves the simulator; Ctrl-C leaves no process", async () => {
    const ports = { intake: await freePort(), telegram: await freePort(), twilio: await freePort() };
    const run = await startDemo(ports);
    firstOutput = run.output();
    const children = startedPids(firstOutput);
    expect(children).toHaveLength(2);
    expect(children.every(alive)).toBe(true);

    expect(firstOutput).toContain(`simulator      http://127.0.0.1:${ports.telegram}/simulator`);
    expect(firstOutput).toContain(`staff console  http://127.0.0.1:${ports.intake}/staff`);
    expect(firstOutput).toMatch(/passphrase {5}demo-\S{12,}/);
    expect(firstOutput).toMatch(/TOTP secret {4}[A-Z2-7]{32}/);
    const ready = await fetch(`http://127.0.0.1:${ports.intake}/readyz`);
    expect(ready.status).toBe(200);
    const page = await fetch(`http://127.0.0.1:${ports.telegram}/simulator`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    // The Bot API answers on the same port, through the front server (a token it does not know: 401).
    const getMe = await fetch(`http://127.0.0.1:${ports.telegram}/bot123:unknown-token-0123456789/getMe`);
    expect(await getMe.json()).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    await botAnswers(ports.telegram);
    expect(processesOfThisTest().length).toBeGreaterThanOrEqual(3);

    expect(await ctrlC(run)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(children.filter(alive)).toEqual([]);
    expect(processesOfThisTest()).toEqual([]);
    expect(run.output()).toContain("stopped everything the demo started");
  }, 200_000);

  it("keeps the admin's credentials private and a second run reuses the keys and the admin", async () => {
    expect(statSync(join(stateDir, "admin.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(keysDir, "manifest.json")).isFile()).toBe(true);
    const saved = JSON.parse(readFileSync(join(stateDir, "admin.json"), "utf8")) as { passphrase: string };

    const ports = { intake: await freePort(), telegram: await freePort(), twilio: await freePort() };
    const run = await startDemo(ports);
    const output = run.output();
    expect(output).toContain(`keys: reusing ${keysDir}`);
    expect(output).toContain("admin: reusing the demo admin 'demo-admin'");
    expect(output).not.toContain("intake keys init");
    expect(output).toContain(`passphrase     ${saved.passphrase}`);
    const children = startedPids(output);
    expect(children).toHaveLength(2);
    // Same Redis prefix as the first run: a defender's first message still gets an answer on both channels.
    await botAnswers(ports.telegram);

    expect(await ctrlC(run)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(children.filter(alive)).toEqual([]);
    expect(processesOfThisTest()).toEqual([]);
  }, 200_000);
});
