import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../app/cli.js";
import { type ConsoleHarness, startConsole } from "../console/harness.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";

const redis = useTestRedis();
const mongo = useTestMongo();
let h: ConsoleHarness;
let base: string;

beforeAll(async () => {
  // The harness builds the bundle with the demo floor, as `intake all` in demo mode does.
  h = await startConsole({ redis: redis.redis(), prefix: redis.prefix, mongoUri: mongo.uri });
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
}, 60_000);
afterAll(async () => {
  await h.close();
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env: {},
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    readStdin: async () => "",
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("intake console verify", () => {
  it("matches the served console script against a local build of this release", async () => {
    const local = await run(["console", "hash", "--demo"]);
    expect(local.code).toBe(0);
    expect(local.out).toMatch(/[0-9a-f]{64}/);
    const ok = await run(["console", "verify", "--url", `${base}/staff`, "--demo"]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(local.out.match(/[0-9a-f]{64}/)?.[0] ?? "none");
  });

  it("fails loudly when the served script differs from this release's build", async () => {
    // The production build differs from the demo one the server serves (its KDF floor is compiled in).
    const bad = await run(["console", "verify", "--url", `${base}/staff`]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/differs/);
  });
});
