import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, projectRoot } from "../../../src/config/index.js";

const demo = { INTAKE_MODE: "demo" };
const prod = {
  INTAKE_MODE: "production",
  PUBLIC_BASE_URL: "https://intake.example.org",
  KEYS_DIR: "/etc/intake/keys",
};

function problemsOf(env: Record<string, string>): Array<{ variable: string; message: string }> {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("loadConfig", () => {
  it("reads the TLS proxy's addresses from TRUST_PROXY, none by default, and refuses anything else", () => {
    expect(loadConfig(demo).http.trustProxy).toEqual([]);
    expect(loadConfig({ ...demo, TRUST_PROXY: "127.0.0.1, 10.0.0.0/8,::1" }).http.trustProxy).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
      "::1",
    ]);
    expect(problemsOf({ ...demo, TRUST_PROXY: "true" }).map((p) => p.variable)).toEqual(["TRUST_PROXY"]);
  });

  it("gives local defaults in demo mode", () => {
    const c = loadConfig(demo);
    expect(c.mode).toBe("demo");
    expect(c.http.port).toBe(3000);
    expect(c.redis.url).toBe("redis://127.0.0.1:6379");
    expect(c.mongo.uri).toBe("mongodb://127.0.0.1:27017/intake");
    expect(c.keysDir).toBe(`${projectRoot}/.data/keys`);
    expect(c.telegram.enabled).toBe(false);
    expect(c.twilio.enabled).toBe(false);
  });

  it("defaults to production mode, which needs an https public URL and keys outside the checkout", () => {
    const vars = problemsOf({}).map((p) => p.variable);
    expect(vars).toEqual(expect.arrayContaining(["PUBLIC_BASE_URL", "KEYS_DIR"]));
    expect(problemsOf({ ...prod, PUBLIC_BASE_URL: "http://intake.example.org" })).toEqual([
      { variable: "PUBLIC_BASE_URL", message: "must start with https:// in production" },
    ]);
    expect(problemsOf({ ...prod, KEYS_DIR: `${projectRoot}/keys` }).map((p) => p.variable)).toEqual([
      "KEYS_DIR",
    ]);
    expect(loadConfig(prod).mode).toBe("production");
  });

  it("lists every problem at once, each with the variable's name and what is expected", () => {
    const problems = problemsOf({
      ...demo,
      PORT: "http",
      REDIS_URL: "nope",
      LOG_LEVEL: "loud",
      RETENTION_DAYS: "0",
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      "LOG_LEVEL",
      "PORT",
      "REDIS_URL",
      "RETENTION_DAYS",
    ]);
    for (const p of problems) expect(p.message).toMatch(/expected/);
    expect(problemsOf({ ...demo, PORT: "65536" }).map((p) => p.variable)).toEqual(["PORT"]);
  });

  it("refuses Telegram without a webhook secret, in every mode", () => {
    const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    expect(problemsOf({ ...demo, TELEGRAM_BOT_TOKEN: token }).map((p) => p.variable)).toEqual([
      "TELEGRAM_WEBHOOK_SECRET",
    ]);
    expect(
      problemsOf({ ...prod, TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: "short" }).map(
        (p) => p.variable,
      ),
    ).toEqual(["TELEGRAM_WEBHOOK_SECRET"]);
    const ok = loadConfig({ ...demo, TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: "s3cret" });
    expect(ok.telegram).toMatchObject({
      enabled: true,
      webhookSecret: "s3cret",
      apiRoot: "https://api.telegram.org",
    });
  });

  it("needs all three Twilio variables together", () => {
    expect(
      problemsOf({ ...demo, TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}` })
        .map((p) => p.variable)
        .sort(),
    ).toEqual(["TWILIO_AUTH_TOKEN", "TWILIO_FROM"]);
  });

  it("never echoes a secret's value in a problem", () => {
    const secret = "CANARY-not-a-valid-token value!";
    try {
      loadConfig({
        ...demo,
        TELEGRAM_BOT_TOKEN: secret,
        TWILIO_AUTH_TOKEN: secret,
        TELEGRAM_WEBHOOK_SECRET: secret,
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).not.toContain("CANARY");
      expect(JSON.stringify((err as ConfigError).problems)).not.toContain("CANARY");
    }
  });

  it("treats empty strings as unset and returns a frozen object", () => {
    const c = loadConfig({ ...demo, PORT: "", LOG_LEVEL: "  " });
    expect(c.http.port).toBe(3000);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.http)).toBe(true);
  });
});
