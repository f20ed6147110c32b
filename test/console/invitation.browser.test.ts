import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/console/totp.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { type ConsoleHarness, type SeededRequest, seedRequest, startConsole } from "./harness.js";

const redis = useTestRedis();
const mongo = useTestMongo();
const PASSPHRASE = "cyd's own long passphrase";
let h: ConsoleHarness;
let base: string;
let profile: string;
let context: BrowserContext;
let page: Page;
let seeded: SeededRequest;
/** Every response body the browser received, by who was signed in. */
const seen: Array<{ phase: string; body: string }> = [];
let phase = "anonymous";

beforeAll(async () => {
  h = await startConsole({
    redis: redis.redis(),
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    cookieSecure: false,
  });
  seeded = await seedRequest(h, { urgency: "urgent" });
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
  profile = mkdtempSync(join(tmpdir(), "console-invite-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("response", (res) => {
    const at = phase;
    void res
      .body()
      .then((b) => seen.push({ phase: at, body: b.toString("utf8") }))
      .catch(() => {});
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.close();
});

async function signIn(username: string, passphrase: string, totpSecret: string): Promise<void> {
  h.now += 31_000;
  await page.goto(`${base}/staff`);
  await page.waitForSelector("#login-form");
  await page.fill("#username", username);
  await page.fill("#passphrase", passphrase);
  await page.fill("#totp", currentTotp(totpSecret, h.now));
  await page.click("#login-submit");
}

async function signOut(): Promise<void> {
  await page.click("#sign-out");
  await page.waitForSelector("#login-form");
}

describe("enrolment by invitation in Chromium (row 36)", () => {
  it("lets a member set their own passphrase and TOTP; the admin confirms the key fingerprint and never sees either", async () => {
    phase = "admin";
    await signIn(h.admin.username, h.admin.passphrase, h.admin.totpSecret);
    await page.waitForSelector("#queue-rows tr[data-id]");
    await page.goto(`${base}/staff#/admin`);
    await page.waitForSelector("#add-staff");
    expect(await page.$("#new-passphrase")).toBeNull();
    await page.fill("#new-username", "cyd");
    await page.fill("#new-display-name", "Cyd Staff");
    await page.click("#add-staff-submit");
    await page.waitForSelector("#invite-code");
    const code = ((await page.textContent("#invite-code")) ?? "").trim();
    expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await signOut();

    phase = "member";
    await page.click("#join-link");
    await page.waitForSelector("#join-form");
    await page.fill("#join-username", "cyd");
    await page.fill("#join-code", code);
    await page.fill("#join-passphrase", PASSPHRASE);
    await page.fill("#join-passphrase-again", PASSPHRASE);
    await page.click("#join-submit");
    await page.waitForSelector("#join-totp-secret");
    const totpSecret = ((await page.textContent("#join-totp-secret")) ?? "").trim();
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    // The code is spent.
    const account = await h.staff.findByUsername("cyd");
    expect(account?.sealedTeamSecret).toBe("");

    await signIn("cyd", PASSPHRASE, totpSecret);
    await page.waitForSelector("#my-fingerprint:not(:text('…'))");
    const memberPrint = ((await page.textContent("#my-fingerprint")) ?? "").trim();
    const expected = createHash("sha256")
      .update(Buffer.from(account?.personalPublicKey ?? "", "base64url"))
      .digest("hex")
      .slice(0, 16)
      .match(/.{4}/g)
      ?.join(" ");
    expect(memberPrint).toBe(expected);
    await page.goto(`${base}/staff#/queue`);
    await page.reload();
    await page.waitForSelector("#my-fingerprint");

    await signOut();
    phase = "admin";
    await signIn(h.admin.username, h.admin.passphrase, h.admin.totpSecret);
    await page.waitForSelector("#queue-rows tr[data-id]");
    await page.goto(`${base}/staff#/admin`);
    await page.waitForSelector('[data-fingerprint="cyd"]');
    expect(((await page.textContent('[data-fingerprint="cyd"]')) ?? "").trim()).toBe(memberPrint);
    await page.click("#grant-cyd");
    await page.waitForFunction(() => !document.querySelector("#grant-cyd"));
    await signOut();

    phase = "member";
    await signIn("cyd", PASSPHRASE, totpSecret);
    await page.waitForSelector("#queue-rows tr[data-id]");
    await page.goto(`${base}/staff#/r/${seeded.requestId}`);
    await page.waitForSelector('[data-answer="name"]');
    expect(await page.textContent('[data-answer="name"]')).toBe(`${seeded.canary} name`);

    const adminSaw = seen.filter((s) => s.phase === "admin").map((s) => s.body);
    expect(adminSaw.length).toBeGreaterThan(5);
    for (const body of adminSaw) {
      expect(body.includes(totpSecret)).toBe(false);
      expect(body.includes(PASSPHRASE)).toBe(false);
    }
  }, 120_000);
});
