import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { makeTestKeys } from "../support/keys.js";
import { mongoUriFor, testRedisUrl } from "../support/services.js";

const bin = join(projectRoot, "bin", "intake.mjs");
const keys = await makeTestKeys();

function run(args: string[], env: Record<string, string>, untilLine?: RegExp) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!signalled && untilLine?.test(stdout)) {
        signalled = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("intake CLI", () => {
  it("exits non-zero and names each problem when the config is invalid", async () => {
    const r = await run(["serve"], { INTAKE_MODE: "production", PORT: "99999", TWILIO_FROM: "+15005550006" });
    expect(r.code).toBe(2);
    for (const name of ["PORT", "PUBLIC_BASE_URL", "KEYS_DIR", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]) {
      expect(r.stderr).toContain(`- ${name}:`);
    }
  });

  it("prints usage and exits 2 for an unknown command", async () => {
    const r = await run(["frobnicate"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command");
    expect(r.stderr).toContain("serve");
  });

  it("starts `all`, prints its URL, and shuts down cleanly on SIGTERM", async () => {
    const r = await run(
      ["all"],
      {
        INTAKE_MODE: "demo",
        PORT: "0",
        KEYS_DIR: keys.dir,
        REDIS_URL: testRedisUrl,
        MONGODB_URI: mongoUriFor("t_cli"),
        LOG_LEVEL: "info",
      },
      /listening on http/,
    );
    expect(r.stdout, r.stderr).toMatch(/intake all: listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toContain('"event":"shutdown.signal"');
    // `all` holds both key sets by design: no warning that a role can read a secret it does not need.
    expect(r.stdout).not.toContain("keys.unneeded_secret_readable");
    expect(r.code).toBe(0);
  });
});
