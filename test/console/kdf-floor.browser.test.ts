import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/console/totp.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { type ConsoleHarness, startConsole } from "./harness.js";

const redis = useTestRedis();
const mongo = useTestMongo();
let h: ConsoleHarness;
let profile: string;

beforeAll(async () => {
  // The admin's account is derived with TEST_ARGON2ID (1 pass, 8 KiB): below this deployment's floor, as an
  // account whose cost was lowered in the database would be.
  h = await startConsole({
    redis: redis.redis(),
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    cookieSecure: false,
    kdfFloor: { opsLimit: 2, memLimit: 65_536 },
  });
  profile = mkdtempSync(join(tmpdir(), "console-kdf-floor-"));
}, 60_000);

afterAll(async () => {
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.close();
});

describe("the browser's Argon2id floor (row 34)", () => {
  it("refuses to derive with a cost below the floor the server names, and sends no sign-in", async () => {
    const base = await h.app.listen({ host: "127.0.0.1", port: 0 });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const posted: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST") posted.push(new URL(r.url()).pathname);
      });
      await page.goto(`${base}/staff`);
      await page.waitForSelector("#login-form");
      h.now += 30_000;
      await page.fill("#username", h.admin.username);
      await page.fill("#passphrase", h.admin.passphrase);
      await page.fill("#totp", currentTotp(h.admin.totpSecret, h.now));
      await page.click("#login-submit");
      await page.waitForSelector("#login-status.error");
      expect(await page.textContent("#login-status")).toContain("minimum");
      expect(posted).not.toContain("/staff/api/login");
    } finally {
      await context.close();
    }
  }, 60_000);
});
