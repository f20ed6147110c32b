import { afterEach, describe, expect, it } from "vitest";
import { type RunningRole, startRole } from "../../app/roles.js";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/log/index.js";
import { makeTestKeys } from "../support/keys.js";
import { mongoUriFor, testRedisUrl } from "../support/services.js";

// Row 38: /metrics shows live counts of emergencies and queue depths. It needs a token, or listens apart from
// the public listener; a production deployment that configures neither serves none.
const silent = createLogger({ level: "silent" });
const keys = await makeTestKeys();
const token = `${"m".repeat(20)}0123456789abcdef0123`;
let running: RunningRole | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(env: Record<string, string>, role: "serve" | "work" = "serve"): Promise<RunningRole> {
  const config = loadConfig({
    INTAKE_MODE: "demo",
    KEYS_DIR: keys.dir,
    REDIS_URL: testRedisUrl,
    MONGODB_URI: mongoUriFor("t_metrics_exposure"),
    ...env,
  });
  running = await startRole(role, config, silent, { port: 0 });
  return running;
}

describe("/metrics exposure (row 38)", () => {
  it("with METRICS_TOKEN: 401 without or with a wrong bearer token, 200 with the right one", async () => {
    const app = await start({ METRICS_TOKEN: token });
    const none = await fetch(`${app.address}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(await none.text()).not.toContain("intake_");
    const wrong = await fetch(`${app.address}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${app.address}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("intake_");
  });

  it("with METRICS_PORT: the public listener has no /metrics, the separate one has it", async () => {
    const app = await start({ METRICS_PORT: "0" });
    expect((await fetch(`${app.address}/metrics`)).status).toBe(404);
    expect(app.metricsAddress).toBeDefined();
    expect(app.metricsAddress).not.toBe(app.address);
    const res = await fetch(`${app.metricsAddress}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("intake_");
  });

  it("the work role can be scraped on its own metrics listener, behind the token too", async () => {
    const app = await start({ METRICS_PORT: "0", METRICS_TOKEN: token }, "work");
    expect((await fetch(`${app.metricsAddress}/metrics`)).status).toBe(401);
    const res = await fetch(`${app.metricsAddress}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it("production with neither a token nor a port serves no /metrics", async () => {
    const app = await start({ INTAKE_MODE: "production", PUBLIC_BASE_URL: "https://intake.example.org" });
    expect((await fetch(`${app.address}/metrics`)).status).toBe(404);
    expect(app.metricsAddress).toBeUndefined();
  });

  it("refuses a short METRICS_TOKEN at start-up", () => {
    expect(() => loadConfig({ INTAKE_MODE: "demo", KEYS_DIR: keys.dir, METRICS_TOKEN: "short" })).toThrow(
      /METRICS_TOKEN/,
    );
  });
});
