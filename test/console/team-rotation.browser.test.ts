import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/console/totp.js";
import { encryptRecord, fromBase64url } from "../../src/crypto/index.js";
import { asCiphertext, asSealedDataKey } from "../../src/storage/opaque.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { type ConsoleHarness, type SeededRequest, seedRequest, startConsole } from "./harness.js";

const redis = useTestRedis();
const mongo = useTestMongo();
let h: ConsoleHarness;
let base: string;
let profile: string;
let context: BrowserContext;
let page: Page;
let old: SeededRequest;

beforeAll(async () => {
  h = await startConsole({
    redis: redis.redis(),
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    cookieSecure: false,
  });
  old = await seedRequest(h, { urgency: "urgent" });
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
  profile = mkdtempSync(join(tmpdir(), "console-rotate-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.close();
});

async function signIn(): Promise<void> {
  h.now += 31_000;
  await page.goto(`${base}/staff`);
  await page.waitForSelector("#login-form");
  await page.fill("#username", h.admin.username);
  await page.fill("#passphrase", h.admin.passphrase);
  await page.fill("#totp", currentTotp(h.admin.totpSecret, h.now));
  await page.click("#login-submit");
  await page.waitForSelector("#queue-rows tr[data-id]");
}

async function opens(requestId: string, text: string): Promise<void> {
  await page.goto(`${base}/staff#/r/${requestId}`);
  await page.waitForSelector('[data-answer="name"]');
  expect(await page.textContent('[data-answer="name"]')).toContain(text);
}

describe("team key rotation in Chromium (row 37)", () => {
  it("rotates from the admin page; old and new requests open, in this tab and after signing in again", async () => {
    await signIn();
    await page.goto(`${base}/staff#/admin`);
    await page.waitForSelector("#rotate-team-key");
    await page.click("#rotate-team-key");
    await page.waitForSelector("#rotated-fingerprint");
    const current = await h.staff.currentTeamKey();
    expect(current?.keyId).not.toBe(h.teamPublic.keyId);
    expect(((await page.textContent("#rotated-fingerprint")) ?? "").replace(/ /g, "")).toHaveLength(40);

    // A request sealed to the new key, as the screening worker does once an operator pinned it.
    const requestId = randomBytes(9).toString("base64url");
    const record = encryptRecord(
      { keyId: current?.keyId ?? "", key: fromBase64url(current?.publicKey ?? "") },
      requestId,
      {
        content: JSON.stringify({
          v: 1,
          reference: "ABCD-EFGH",
          lang: "en",
          channel: "telegram",
          replyAddress: "912345",
          answers: { name: "AFTER-ROTATION name", danger_now: false },
        }),
      },
    );
    await h.requests.insertRequest({
      requestId,
      intakeId: randomBytes(9).toString("base64url"),
      reference: "ABCD-EFGH",
      urgency: "normal",
      reasons: [] as never,
      routes: [] as never,
      channel: "telegram",
      lang: "en",
      senderHash: randomBytes(24).toString("base64url"),
      lookupKeyId: "abcd1234",
      teamKeyId: current?.keyId ?? "",
      content: asCiphertext(record.fields.content),
      sealedKey: asSealedDataKey(record.sealedKey),
    });

    await opens(old.requestId, old.canary);
    await opens(requestId, "AFTER-ROTATION");
    await page.click("#sign-out");
    await page.waitForSelector("#login-form");
    await signIn();
    await opens(old.requestId, old.canary);
    await opens(requestId, "AFTER-ROTATION");
  }, 120_000);

  it("re-wraps the stored requests from the admin page with progress; they then open under the new key", async () => {
    // More requests sealed to the old key (the screening worker keeps using it until the new one is pinned).
    const more = [
      await seedRequest(h, { urgency: "normal" }),
      await seedRequest(h, { urgency: "emergency" }),
      await seedRequest(h, { urgency: "urgent" }),
    ];
    const current = await h.staff.currentTeamKey();
    await page.goto(`${base}/staff#/admin`);
    await page.waitForSelector("#rewrap-requests");
    await page.waitForFunction(() =>
      /4 stored requests are still sealed/.test(
        document.querySelector("#rewrap-progress")?.textContent ?? "",
      ),
    );
    await page.click("#rewrap-requests");
    await page.waitForFunction(() =>
      /^4 of 4 re-wrapped\. Every stored request/.test(
        document.querySelector("#rewrap-progress")?.textContent ?? "",
      ),
    );
    expect(await page.getAttribute("#rewrap-bar", "max")).toBe("4");
    for (const r of [old, ...more]) {
      expect((await h.requests.getRequest(r.requestId))?.teamKeyId).toBe(current?.keyId);
    }
    // Nothing left: a second run finds nothing to do.
    await page.goto(`${base}/staff#/queue`);
    await page.goto(`${base}/staff#/admin`);
    await page.waitForFunction(() =>
      /Every stored request is sealed to the current team key/.test(
        document.querySelector("#rewrap-progress")?.textContent ?? "",
      ),
    );
    await page.click("#sign-out");
    await page.waitForSelector("#login-form");
    await signIn();
    for (const r of [old, ...more]) await opens(r.requestId, r.canary);
  }, 120_000);
});
