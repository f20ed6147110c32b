import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";

const depcruise = join(projectRoot, "node_modules", ".bin", "depcruise");
const config = join(projectRoot, ".dependency-cruiser.cjs");

function cruise(...paths: string[]) {
  return spawnSync(depcruise, ["--config", config, ...paths], { cwd: projectRoot, encoding: "utf8" });
}

describe("architecture check (npm run cycles)", () => {
  it("passes on the code: no cycles, imports flow app -> bots -> queues -> src", () => {
    const r = cruise("app", "bots", "queues", "src");
    expect(r.stdout + r.stderr).toMatch(/no dependency violations found/);
    expect(r.status).toBe(0);
  }, 60_000);

  it("fails on an import cycle", () => {
    const r = cruise("test/fixtures/cycle");
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("no-circular");
  }, 60_000);

  it("fails when the core imports the queue library (the package rules see npm packages)", () => {
    const r = cruise("test/fixtures/core/uses-bullmq.ts");
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("src-no-queue-library");
  }, 60_000);

  it("fails when mongoose is imported outside src/storage", () => {
    const r = cruise("test/fixtures/core/uses-mongoose.ts");
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("mongoose-only-in-storage");
  }, 60_000);

  it("fails when the core imports a channel SDK", () => {
    const r = cruise("test/fixtures/core/uses-grammy.ts");
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("channels-only-in-bots");
  }, 60_000);
});
