import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/console/totp.js";
import { deriveStaffKeys, fromBase64url, toBase64url, unwrapPersonalKey } from "../../src/crypto/index.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { adminTeamKey, type ConsoleHarness, seedRequest, startConsole } from "./harness.js";

const redis = useTestRedis();
const mongo = useTestMongo();
let h: ConsoleHarness;
let profile: string;

beforeAll(async () => {
  h = await startConsole({
    redis: redis.redis(),
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    cookieSecure: false,
  });
  profile = mkdtempSync(join(tmpdir(), "console-seizure-"));
}, 60_000);

afterAll(async () => {
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.close();
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** Every form a key could be written in: raw bytes, base64, base64url (with and without padding). */
function forms(key: Uint8Array): Buffer[] {
  const b = Buffer.from(key);
  return [
    b,
    Buffer.from(b.toString("base64")),
    Buffer.from(b.toString("base64").replace(/=+$/, "")),
    Buffer.from(b.toString("base64url")),
    // Chromium's storage writes strings as UTF-16LE.
    Buffer.from(b.toString("base64url"), "utf16le"),
    Buffer.from(b.toString("base64"), "utf16le"),
  ];
}

describe("a seized staff laptop (row 32)", () => {
  it("holds nothing in the browser profile that opens the team key or the personal key after sign-out and close", async () => {
    const seeded = await seedRequest(h, { urgency: "urgent" });
    const base = await h.app.listen({ host: "127.0.0.1", port: 0 });
    const context = await chromium.launchPersistentContext(profile, {
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
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${base}/staff`);
    await page.waitForSelector("#login-form");
    h.now += 30_000;
    await page.fill("#username", h.admin.username);
    await page.fill("#passphrase", h.admin.passphrase);
    await page.fill("#totp", currentTotp(h.admin.totpSecret, h.now));
    await page.click("#login-submit");
    await page.waitForSelector("#queue-rows tr[data-id]");
    await page.goto(`${base}/staff#/r/${seeded.requestId}`);
    await page.waitForSelector('[data-answer="name"]');
    // A member reads for a while; Chromium commits DOM storage to the profile a few seconds after a change,
    // so a sign-out within that delay would hide what a real session leaves on disk.
    await page.waitForTimeout(12_000);
    // A second tab of the same profile, as a member would open one.
    const second = await context.newPage();
    await second.goto(`${base}/staff#/queue`);
    await second.waitForSelector("#unlock-passphrase, #queue-rows tr[data-id]");
    await second.close();
    await page.click("#sign-out");
    await page.waitForSelector("#login-form");
    await context.close();

    const team = await adminTeamKey(h);
    const teamSecret = team.keys.get(team.current)?.secretKey;
    if (!teamSecret) throw new Error("no team key");
    const account = await h.staff.findById(h.admin.id);
    if (!account) throw new Error("admin missing");
    const { unwrapKey, authKey } = deriveStaffKeys(h.admin.passphrase, fromBase64url(account.kdfSalt), {
      opsLimit: account.kdfOps,
      memLimit: account.kdfMem,
    });
    const personal = unwrapPersonalKey(unwrapKey, account.id, account.wrappedPersonalSecret);
    const secrets = {
      team: teamSecret,
      personal: personal.secretKey,
      unwrap: unwrapKey,
      auth: authKey,
    };
    expect(toBase64url(teamSecret)).toHaveLength(43);

    const files = filesUnder(profile);
    expect(files.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const [name, key] of Object.entries(secrets)) {
        for (const form of forms(key)) {
          if (bytes.includes(form)) found.push(`${name} in ${file.slice(profile.length)}`);
        }
      }
    }
    expect(found).toEqual([]);
  }, 120_000);
});
