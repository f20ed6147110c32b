import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRole, startRole } from "../../app/roles.js";
import { loadConfig, projectRoot } from "../../src/config/index.js";
import { createStaffFromPassphrase } from "../../src/console/staff-enrolment.js";
import { currentTotp } from "../../src/console/totp.js";
import { cryptoReady, fromBase64url, TEST_ARGON2ID } from "../../src/crypto/index.js";
import { loadConsoleKey } from "../../src/keys/console-key.js";
import { generateKeys, setTeamPublicKey } from "../../src/keys/index.js";
import { createLogger } from "../../src/log/index.js";
import { connectStorage } from "../../src/storage/connection.js";
import { createStaffStore } from "../../src/storage/staff.js";
import { type DemoStandIns, startDemoStandIns } from "../../stand-ins/simulator/server.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";

/**
 * The demo's whole path in a real Chromium: a defender does one intake on the simulator's Telegram phone
 * (buttons pressed, answers typed) and one on its SMS phone (numbered answers), through the real webhooks,
 * ingress, screening worker and sender; then a staff member signs in to the console and finds both.
 */

const redis = useTestRedis();
const mongo = useTestMongo();
const artifacts = join(projectRoot, "test-results");
const XSS = `<img src=x onerror="window.__xss=1">`;
const PASSPHRASE = "simulator test passphrase";

let keysRoot: string;
let profile: string;
let demo: DemoStandIns;
let app: RunningRole;
let context: BrowserContext;
let page: Page;
let admin: { username: string; totpSecret: string };
const refused: string[] = [];
const pageErrors: string[] = [];
const references: { telegram?: string; sms?: string } = {};

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

beforeAll(async () => {
  await cryptoReady();
  keysRoot = mkdtempSync(join(tmpdir(), "simulator-keys-"));
  const keysDir = join(keysRoot, "keys");
  await generateKeys(keysDir);

  // The first admin, through the same code path as `intake staff add --admin` (fast KDF for the test).
  const storage = connectStorage(mongo.uri);
  await storage.ping();
  const staff = createStaffStore(storage.connection);
  await staff.ensureIndexes();
  const created = await createStaffFromPassphrase(staff, {
    username: "sim-admin",
    displayName: "Simulator admin",
    admin: true,
    passphrase: PASSPHRASE,
    kdf: TEST_ARGON2ID,
    totpKey: loadConsoleKey(keysDir, { create: true }),
  });
  admin = { username: "sim-admin", totpSecret: created.totpSecret };
  // ...and pinned in the manifest as `intake staff add --admin` does: the screening worker seals only to it.
  const team = await staff.currentTeamKey();
  if (!team) throw new Error("no team key");
  setTeamPublicKey(keysDir, team.keyId, fromBase64url(team.publicKey));
  await storage.close();

  const port = await freePort();
  const local = `http://127.0.0.1:${port}`;
  const secrets = {
    telegramSecret: "simulator-test-secret-0123456789abcdef",
    twilioAccountSid: `AC${"2".repeat(32)}`,
    twilioAuthToken: "simulatortwilioauthtoken01234567",
    twilioFrom: "+15005550006",
  };
  demo = await startDemoStandIns({ intakeUrl: local, publicBaseUrl: local, ...secrets });
  const config = loadConfig({
    INTAKE_MODE: "demo",
    HOST: "127.0.0.1",
    PORT: String(port),
    PUBLIC_BASE_URL: local,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    MONGODB_URI: mongo.uri,
    KEYS_DIR: keysDir,
    TELEGRAM_BOT_TOKEN: demo.telegram.token,
    TELEGRAM_WEBHOOK_SECRET: secrets.telegramSecret,
    TELEGRAM_API_ROOT: demo.telegramApiRoot,
    TWILIO_ACCOUNT_SID: secrets.twilioAccountSid,
    TWILIO_AUTH_TOKEN: secrets.twilioAuthToken,
    TWILIO_FROM: secrets.twilioFrom,
    TWILIO_API_BASE: demo.twilioApiBase,
    TWILIO_SEGMENTS_PER_SECOND: "50",
    RATE_PER_SENDER_PER_MINUTE: "120",
    LOG_LEVEL: "silent",
  });
  app = await startRole("all", config, createLogger({ level: "silent" }));

  profile = mkdtempSync(join(tmpdir(), "simulator-chromium-"));
  mkdirSync(artifacts, { recursive: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1100, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) refused.push(msg.text());
  });
  page.on("pageerror", (err) => pageErrors.push(err.message));
}, 120_000);

afterAll(async () => {
  await context?.close();
  await app?.close();
  await demo?.close();
  for (const dir of [profile, keysRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const REPLY_MS = 20_000;

/** The newest bot bubble in `phone` that contains `prompt`, once it has arrived. */
async function botSays(phone: "tg" | "sms", prompt: string | RegExp): Promise<Locator> {
  const bubble = page.locator(`#${phone}-chat li.from-bot`, { hasText: prompt }).last();
  await bubble.waitFor({ timeout: REPLY_MS });
  return bubble;
}

async function type(phone: "tg" | "sms", text: string): Promise<void> {
  await page.fill(`#${phone}-input`, text);
  await page.click(`[data-testid="${phone}-send"]`);
}

/** Presses the inline button `label` under the bot message that asked `prompt`. */
async function press(prompt: string, label: string): Promise<void> {
  const bubble = await botSays("tg", prompt);
  await bubble.getByRole("button", { name: label, exact: true }).click();
}

async function referenceIn(phone: "tg" | "sms"): Promise<string> {
  const bubble = await botSays(phone, /Your reference is/);
  const match = /Your reference is ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec((await bubble.textContent()) ?? "");
  if (!match?.[1]) throw new Error("no reference in the last reply");
  return match[1];
}

describe("the demo simulator in Chromium", () => {
  it("serves the page under a strict CSP", async () => {
    const res = await page.goto(demo.simulatorUrl);
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res?.headers()["cache-control"]).toBe("no-store");
    await page.waitForFunction(() => document.querySelector("#tg-who")?.textContent?.startsWith("chat "));
  });

  it("a defender completes an intake on Telegram, pressing buttons and typing", async () => {
    await type("tg", "Hello");
    await press("Language", "English");
    await press("Do you agree", "Yes");
    await press("Are you in danger right now?", "Yes");
    await botSays("tg", "What name should we use");
    await type("tg", "Amani Test");
    await botSays("tg", "Which country are you in now?");
    await type("tg", "Kenya");
    await press("Is it safe for us to contact you", "No");
    await botSays("tg", "How and when is it safe");
    await type("tg", `${XSS} Signal after 8 pm`);
    // The review echoes the answers, the markup included, as inert text.
    await botSays("tg", "Safe contact: <img src=x");
    await press("Send your request now?", "Yes, send it");
    references.telegram = await referenceIn("tg");
    expect(await page.locator("#tg-chat").textContent()).toContain(XSS);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator("#tg-chat img").count()).toBe(0);
  }, 120_000);

  it("a defender completes an intake by SMS with numbered answers", async () => {
    await type("sms", "Hello");
    await botSays("sms", "1 English");
    await type("sms", "1");
    await botSays("sms", "Do you agree");
    await type("sms", "1");
    await botSays("sms", "Are you in danger right now?");
    await type("sms", "1");
    await botSays("sms", "What name should we use");
    await type("sms", "Grace Test");
    await botSays("sms", "Which country are you in now?");
    await type("sms", "UG");
    await botSays("sms", "Is it safe for us to contact you");
    await type("sms", "2");
    await botSays("sms", "How and when is it safe");
    await type("sms", "WhatsApp, weekdays");
    await botSays("sms", "Send your request now?");
    await type("sms", "1");
    references.sms = await referenceIn("sms");
    await page.screenshot({ path: join(artifacts, "simulator.png") });
    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("New defender gives both phones a new identity and empty threads", async () => {
    const before = await page.textContent("#tg-who");
    await page.click('[data-testid="new-defender"]');
    await page.waitForFunction((old) => document.querySelector("#tg-who")?.textContent !== old, before);
    expect(await page.locator("#tg-chat li").count()).toBe(0);
    expect(await page.locator("#sms-chat li").count()).toBe(0);
  });

  it("refuses requests from other sites and other host names", async () => {
    const origin = new URL(demo.simulatorUrl).origin;
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${origin}/simulator/api/telegram/send`,
          { method: "POST", headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ text: "hi" }));
      });
    // A form or text/plain POST from another page (no CORS preflight) is not JSON: refused.
    expect(await post({ "content-type": "text/plain" })).toBe(415);
    expect(await post({ "content-type": "application/json", origin: "https://evil.example" })).toBe(403);
    // DNS rebinding: the right address under another name.
    expect(await post({ "content-type": "application/json", host: "evil.example" })).toBe(403);
  });

  it("both requests are screened and stored", async () => {
    const client = await mongo.client();
    const requests = client
      .db(mongo.dbName)
      .collection<{ reference: string; channel: string; urgency: string }>("requests");
    const wanted = [references.telegram, references.sms].filter((r): r is string => typeof r === "string");
    expect(wanted).toHaveLength(2);
    const deadline = Date.now() + 30_000;
    let found: Array<{ channel?: string; urgency?: string }> = [];
    while (Date.now() < deadline) {
      found = await requests
        .find({ reference: { $in: wanted } }, { projection: { _id: 0, channel: 1, urgency: 1 } })
        .toArray();
      if (found.length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(found.map((r) => r.channel).sort()).toEqual(["sms", "telegram"]);
    // "In danger right now" makes both emergencies.
    expect(found.map((r) => r.urgency)).toEqual(["emergency", "emergency"]);
  }, 60_000);

  it("a staff member signs in to the console and sees both in the queue", async () => {
    const consoleUrl = await page.getAttribute('[data-testid="console-link"]', "href");
    expect(consoleUrl).toBe(`${app.address}/staff`);
    await page.goto(consoleUrl ?? "");
    await page.waitForSelector("#login-form");
    await page.fill("#username", admin.username);
    await page.fill("#passphrase", PASSPHRASE);
    await page.fill("#totp", currentTotp(admin.totpSecret, Date.now()));
    await page.click("#login-submit");
    for (const reference of [references.telegram, references.sms]) {
      await page.waitForSelector(`#queue-rows tr[data-reference="${reference}"]`, { timeout: 30_000 });
    }
    await page.screenshot({ path: join(artifacts, "console-demo.png") });
    expect(refused).toEqual([]);
  }, 90_000);
});
