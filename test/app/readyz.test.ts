import { afterEach, describe, expect, it } from "vitest";
import { type RunningRole, startRole } from "../../app/roles.js";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/log/index.js";
import { makeTestKeys } from "../support/keys.js";
import { mongoUriFor, testRedisUrl } from "../support/services.js";

const closedPort = "127.0.0.1:9"; // discard port: nothing listens there
const silent = createLogger({ level: "silent" });
const keys = await makeTestKeys();
let running: RunningRole | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

type Report = { status: number; body: { status: string; down?: string[] } };

/**
 * Starts `serve` and asks /readyz until the dependencies that are up have connected (a first connection
 * can take a moment on a loaded machine): the answer must then settle on exactly `expectDown`.
 */
async function readyz(env: Record<string, string>, expectDown: string[] = []): Promise<Report> {
  const config = loadConfig({ INTAKE_MODE: "demo", PORT: "1", KEYS_DIR: keys.dir, ...env });
  running = await startRole("serve", config, silent, { port: 0 });
  let report: Report | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    const res = await fetch(`${running.address}/readyz`);
    report = { status: res.status, body: (await res.json()) as Report["body"] };
    const down = report.body.down ?? [];
    if (down.every((name) => expectDown.includes(name))) return report;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!report) throw new Error("no report");
  return report;
}

describe("GET /healthz and /readyz", () => {
  it("are 200 when Redis and MongoDB answer", async () => {
    const r = await readyz({ REDIS_URL: testRedisUrl, MONGODB_URI: mongoUriFor("t_readyz") });
    expect(r).toEqual({ status: 200, body: { status: "ready" } });
    const health = await fetch(`${running?.address}/healthz`);
    expect(health.status).toBe(200);
  });

  it("answers 503 naming Redis when REDIS_URL points at a closed port", async () => {
    const r = await readyz({ REDIS_URL: `redis://${closedPort}`, MONGODB_URI: mongoUriFor("t_readyz") }, [
      "redis",
    ]);
    expect(r).toEqual({ status: 503, body: { status: "unavailable", down: ["redis"] } });
  });

  it("answers 503 naming MongoDB when MONGODB_URI points at a closed port", async () => {
    const r = await readyz({ REDIS_URL: testRedisUrl, MONGODB_URI: `mongodb://${closedPort}/x` }, [
      "mongodb",
    ]);
    expect(r).toEqual({ status: 503, body: { status: "unavailable", down: ["mongodb"] } });
  });

  it("answers 404 with a code, not an HTML page, for unknown routes", async () => {
    await readyz({ REDIS_URL: testRedisUrl, MONGODB_URI: mongoUriFor("t_readyz") });
    const res = await fetch(`${running?.address}/nope?From=%2B4915799912345`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "NOT_FOUND" });
  });
});
