import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { currentTotp } from "../../src/console/totp.js";
import { openOutbound } from "../../src/crypto/index.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { type ConsoleHarness, type SeededRequest, seedRequest, startConsole } from "./harness.js";

const redis = useTestRedis();
const mongo = useTestMongo();
const keys = await makeTestKeys();
const artifacts = join(projectRoot, "test-results");
const XSS = `<img src=x id=xss-img onerror="window.__xss=1"><script>window.__xss=2</script>"'&`;

let h: ConsoleHarness;
let base: string;
let context: BrowserContext;
let page: Page;
let profile: string;
let seeded: { normal: SeededRequest; emergency: SeededRequest; urgent: SeededRequest; xss: SeededRequest };
const responses: Array<Promise<{ url: string; body: string }>> = [];
const cspConsole: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  h = await startConsole({
    redis: redis.redis(),
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    keys,
    cookieSecure: false,
  });
  await h.partners.upsertPartner({
    partnerId: "reloc1",
    name: "Shelter network",
    routes: ["temporary_relocation"],
  });
  seeded = {
    normal: await seedRequest(h, { urgency: "normal", lang: "es" }),
    emergency: await seedRequest(h, {
      urgency: "emergency",
      routes: ["temporary_relocation", "emergency_grant"],
    }),
    urgent: await seedRequest(h, { urgency: "urgent", channel: "sms", lang: "ar" }),
    xss: await seedRequest(h, { urgency: "normal", answers: { name: XSS, threat_description: XSS } }),
  };
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
  profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
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
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("response", (res) => {
    responses.push(
      res
        .body()
        .then((b) => ({ url: res.url(), body: b.toString("utf8") }))
        .catch(() => ({ url: res.url(), body: "" })),
    );
  });
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) cspConsole.push(msg.text());
  });
  page.on("pageerror", (err) => pageErrors.push(err.message));
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.close();
});

async function signIn(user: { username: string; passphrase: string; totpSecret: string }, totp?: string) {
  await page.fill("#username", user.username);
  await page.fill("#passphrase", user.passphrase);
  await page.fill("#totp", totp ?? currentTotp(user.totpSecret, h.now));
  await page.click("#login-submit");
}

async function auditCount(requestId: string, action: string): Promise<number> {
  return (await h.audit.listForRequest(requestId)).filter((e) => e.action === action).length;
}

describe("staff console in Chromium", () => {
  it("refuses a wrong code, delays the next try, then signs in with passphrase and TOTP", async () => {
    await page.goto(`${base}/staff`);
    await page.waitForSelector("#login-form");
    await signIn(h.admin, "000000");
    await page.waitForSelector("#login-status.error");
    expect(await page.textContent("#login-status")).toContain("wrong");
    // Straight away again: the server answers 429 and the page says to wait.
    await signIn(h.admin);
    await page.waitForFunction(() => document.querySelector("#login-status")?.textContent?.includes("Wait"));
    h.now += 31_000;
    await signIn(h.admin);
    await page.waitForSelector("#queue-rows tr[data-id]");
  });

  it("shows the seeded requests most urgent first, with SLA clocks", async () => {
    const order = await page.$$eval("#queue-rows tr[data-id]", (rows) =>
      rows.map((r) => r.getAttribute("data-id")),
    );
    expect(order.slice(0, 2)).toEqual([seeded.emergency.requestId, seeded.urgent.requestId]);
    expect(new Set(order.slice(2))).toEqual(new Set([seeded.normal.requestId, seeded.xss.requestId]));
    expect(await page.$$("#queue-rows .sla")).toHaveLength(4);
    await page.screenshot({ path: join(artifacts, "console-queue.png"), fullPage: true });
  });

  it("keeps filters in the URL and refreshes in place", async () => {
    await page.selectOption("#filter-urgency", "urgent");
    await page.waitForFunction(() => location.hash.includes("urgency=urgent"));
    await page.waitForFunction(() => document.querySelectorAll("#queue-rows tr[data-id]").length === 1);
    await page.click("#refresh");
    await page.waitForFunction(() => document.querySelectorAll("#queue-rows tr[data-id]").length === 1);
    // A reload keeps the session but not the team key (page memory only): the passphrase opens it again.
    await page.reload();
    await page.waitForSelector("#unlock-passphrase");
    await page.fill("#unlock-passphrase", h.admin.passphrase);
    await page.press("#unlock-passphrase", "Enter");
    await page.waitForSelector("#queue-rows tr[data-id]");
    expect(await page.inputValue("#filter-urgency")).toBe("urgent");
    await page.goto(`${base}/staff#/queue`);
    await page.waitForFunction(() => document.querySelectorAll("#queue-rows tr[data-id]").length === 4);
  });

  it("decrypts a request in the browser: its answers are on screen, and audited", async () => {
    await page.click(`tr[data-id="${seeded.emergency.requestId}"] a`);
    await page.waitForSelector('[data-answer="name"]');
    expect(await page.textContent('[data-answer="name"]')).toBe(`${seeded.emergency.canary} name`);
    expect(await page.textContent('[data-answer="threat_description"]')).toBe(
      `${seeded.emergency.canary} threat`,
    );
    await page.screenshot({ path: join(artifacts, "console-request.png"), fullPage: true });
    expect(await auditCount(seeded.emergency.requestId, "view")).toBe(1);
    expect(await auditCount(seeded.emergency.requestId, "decrypt")).toBe(1);
  });

  it("assigns, changes status, adds an encrypted note, replies and refers: one audit entry each", async () => {
    const id = seeded.emergency.requestId;
    await page.click("#assign");
    await page.waitForFunction(
      () => document.querySelector("#assignee")?.textContent === "assigned to Ada Admin",
    );
    expect(await auditCount(id, "assign")).toBe(1);

    await page.selectOption("#status-to", "in_review");
    await page.click("#status-submit");
    await page.waitForFunction(() => document.querySelector("#status")?.textContent === "In review");
    expect(await auditCount(id, "status")).toBe(1);
    expect((await h.requests.getRequest(id))?.status).toBe("in_review");

    const noteText = `NOTE-${seeded.emergency.canary}`;
    await page.fill("#note-text", noteText);
    await page.click("#note-submit");
    await page.waitForFunction((t) => document.querySelector("#notes")?.textContent?.includes(t), noteText);
    expect(await auditCount(id, "note")).toBe(1);
    const stored = (await h.requests.getRequest(id))?.notes ?? [];
    expect(stored).toHaveLength(1);
    expect(stored[0]?.content).toMatch(/^v1\.field\.dk\./);

    const replyText = `REPLY-${seeded.emergency.canary}`;
    await page.fill("#reply-text", replyText);
    await page.click("#reply-submit");
    await page.waitForFunction(() => document.querySelector("#flash")?.textContent?.includes("Reply queued"));
    expect(await auditCount(id, "reply")).toBe(1);
    expect(h.enqueued).toHaveLength(1);
    const job = h.enqueued[0];
    expect(job?.sealed).toMatch(/^v1\.outbound\./);
    expect(job?.sealed).not.toContain(replyText);
    const opened = JSON.parse(
      openOutbound(
        { current: h.outbound.keyId, keys: new Map([[h.outbound.keyId, h.outbound]]) },
        `outbound:${job?.recipient}:${job?.seq}`,
        job?.sealed ?? "",
      ),
    ) as { kind: string; channel: string; address: string; replies: { text: string }[] };
    expect(opened.kind).toBe("replies");
    expect(opened.channel).toBe("telegram");
    expect(opened.address).toMatch(/^9\d+$/);
    expect(opened.replies[0]?.text).toBe(replyText);

    await page.selectOption("#referral-partner", "reloc1");
    await page.selectOption("#referral-route", "temporary_relocation");
    await page.click("#referral-submit");
    await page.waitForFunction(() =>
      document.querySelector("#referrals")?.textContent?.includes("Shelter network"),
    );
    expect(await auditCount(id, "referral")).toBe(1);
    expect(await h.partners.listReferrals(id)).toHaveLength(1);

    // Nothing else was written for this request by the five actions.
    const actions = (await h.audit.listForRequest(id)).map((e) => e.action).sort();
    expect(actions).toEqual(["assign", "decrypt", "note", "referral", "reply", "status", "view"]);
  });

  it("shows an XSS payload stored as an answer as inert text", async () => {
    await page.goto(`${base}/staff#/r/${seeded.xss.requestId}`);
    await page.waitForSelector('[data-answer="name"]');
    expect(await page.textContent('[data-answer="name"]')).toBe(XSS);
    expect(await page.$("#xss-img")).toBeNull();
    expect(await page.$$("#answers img, #answers script")).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it("verifies the audit chain from the admin page", async () => {
    await page.goto(`${base}/staff#/admin`);
    await page.waitForSelector("#audit-verify-button");
    await page.click("#audit-verify-button");
    await page.waitForFunction(() =>
      document.querySelector("#audit-verify")?.textContent?.includes("verified"),
    );
  });

  it("never let a canary reach the browser in an HTTP response, and saw no CSP violation", async () => {
    const all = await Promise.all(responses);
    expect(all.length).toBeGreaterThan(20);
    for (const s of Object.values(seeded)) {
      for (const r of all) {
        expect(r.body.includes(s.canary), r.url).toBe(false);
      }
    }
    for (const r of all) expect(r.body.includes("NOTE-") || r.body.includes("REPLY-"), r.url).toBe(false);
    expect(h.cspViolations).toEqual([]);
    expect(cspConsole).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("would have seen a violation: an injected inline script is blocked and reported both ways", async () => {
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.body.appendChild(s);
    });
    await vi.waitFor(() => expect(h.cspViolations.length).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 100,
    });
    expect(h.cspViolations[0]?.directive).toMatch(/^script-src/);
    expect(cspConsole.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
  });
});
