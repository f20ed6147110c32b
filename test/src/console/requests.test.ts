import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_FIELD, NOTE_FIELD } from "../../../src/console/fields.js";
import {
  decryptField,
  encryptField,
  fromBase64url,
  openDataKey,
  openOutbound,
  sealOutbound,
  unwrapSealedKey,
} from "../../../src/crypto/index.js";
import {
  type ApiClient,
  adminTeamKey,
  anonymousClient,
  type ConsoleHarness,
  type SeededRequest,
  seedRequest,
  signIn,
  startConsole,
} from "../../console/harness.js";
import { useTestMongo, useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";

const redis = useTestRedis();
const mongo = useTestMongo();
const keys = await makeTestKeys();
let h: ConsoleHarness;
let client: ApiClient;
let seeded: SeededRequest[];
const bodies: string[] = [];

const get = async (path: string) => {
  const res = await client.get(path);
  bodies.push(res.body);
  return res;
};
const post = async (path: string, body: unknown) => {
  const res = await client.post(path, body);
  bodies.push(res.body);
  return res;
};

beforeAll(async () => {
  h = await startConsole({ redis: redis.redis(), prefix: redis.prefix, mongoUri: mongo.uri, keys });
  await h.partners.upsertPartner({ partnerId: "pdeu", name: "Emergency fund", routes: ["emergency_grant"] });
  seeded = [
    await seedRequest(h, { urgency: "normal" }),
    await seedRequest(h, { urgency: "emergency" }),
    await seedRequest(h, { urgency: "urgent", channel: "sms", lang: "fr" }),
  ];
  client = await signIn(h);
});
afterAll(async () => {
  await h.close();
});

interface Item {
  id: string;
  urgency: string;
  version: number;
  sla: { breached: boolean } | null;
}

describe("console queue and request API", () => {
  it("lists requests most urgent first, with counts and filters", async () => {
    const res = await get("/staff/api/requests");
    expect(res.status).toBe(200);
    const body = res.json() as { items: Item[]; counts: { urgency: string; count: number }[] };
    expect(body.items.map((i) => i.urgency)).toEqual(["emergency", "urgent", "normal"]);
    expect(body.counts.reduce((n, c) => n + c.count, 0)).toBe(3);
    const sms = (await get("/staff/api/requests?channel=sms")).json() as { items: Item[] };
    expect(sms.items.map((i) => i.id)).toEqual([seeded[2]?.requestId]);
    const mine = (await get("/staff/api/requests?mine=1")).json() as { items: Item[] };
    expect(mine.items).toEqual([]);
    expect((await get("/staff/api/requests?urgency=bogus")).status).toBe(400);
  });

  it("sends a request as ciphertext and a sealed data key only, and audits the view", async () => {
    const target = seeded[1] as SeededRequest;
    const res = await get(`/staff/api/requests/${target.requestId}`);
    expect(res.status).toBe(200);
    const body = res.json() as { content: string; wrappedKey: string; erasureKey: string };
    expect(body.content).toMatch(/^v1\.field\.dk\./);
    expect(body.wrappedKey).toMatch(/^v1\.field\.dk\./);
    expect(res.body).not.toContain(target.canary);
    // The erasure key (served to signed-in staff) unwraps the sealed data key; the team key (only in a
    // staff browser) opens it.
    const sealed = unwrapSealedKey(fromBase64url(body.erasureKey), target.requestId, body.wrappedKey);
    const dataKey = openDataKey(await adminTeamKey(h), target.requestId, sealed);
    expect(decryptField(dataKey, target.requestId, CONTENT_FIELD, body.content)).toContain(target.canary);
    const views = (await h.audit.listForRequest(target.requestId)).filter((e) => e.action === "view");
    expect(views).toHaveLength(1);
  });

  it("assign, status change, note, reply and referral each write exactly one content-free audit entry", async () => {
    const target = seeded[1] as SeededRequest;
    const id = target.requestId;
    const detail = (await get(`/staff/api/requests/${id}`)).json() as {
      version: number;
      wrappedKey: string;
      erasureKey: string;
      recipient: string;
    };
    let version = detail.version;

    const assign = await post(`/staff/api/requests/${id}/assign`, { to: "me", version });
    expect(assign.status).toBe(200);
    version = (assign.json() as { version: number }).version;
    const mine = (await get("/staff/api/requests?mine=1")).json() as { items: Item[] };
    expect(mine.items.map((i) => i.id)).toEqual([id]);

    const status = await post(`/staff/api/requests/${id}/status`, { to: "in_review", version });
    expect(status.status).toBe(200);
    version = (status.json() as { version: number }).version;
    // A stale version is a conflict, not a silent overwrite.
    expect(
      (await post(`/staff/api/requests/${id}/status`, { to: "closed", version: version - 1 })).status,
    ).toBe(409);

    const sealedKey = unwrapSealedKey(fromBase64url(detail.erasureKey), id, detail.wrappedKey);
    const dataKey = openDataKey(await adminTeamKey(h), id, sealedKey);
    const noteText = `NOTECANARY-${id}`;
    const note = await post(`/staff/api/requests/${id}/notes`, {
      content: encryptField(dataKey, id, NOTE_FIELD, noteText),
      version,
    });
    expect(note.status).toBe(200);
    const stored = (await h.requests.getRequest(id))?.notes ?? [];
    expect(stored).toHaveLength(1);
    expect(decryptField(dataKey, id, NOTE_FIELD, stored[0]?.content ?? "")).toBe(noteText);

    const seq = `${h.now}-1`;
    const message = {
      kind: "replies",
      channel: "telegram",
      address: "12345",
      replies: [{ text: "hello", lang: "en" }],
    };
    const sealed = sealOutbound(
      { current: h.outbound.keyId, keys: new Map([[h.outbound.keyId, h.outbound.publicKey]]) },
      `outbound:${detail.recipient}:${seq}`,
      JSON.stringify(message),
    );
    const reply = await post(`/staff/api/requests/${id}/reply`, { sealed, seq });
    expect(reply.status).toBe(200);
    expect(h.enqueued).toHaveLength(1);
    const job = h.enqueued[0];
    expect(job).toMatchObject({ channel: "telegram", recipient: detail.recipient, seq, sealed });
    // The sender worker (holding the outbound secret) opens exactly what the browser sealed.
    const opened = openOutbound(
      { current: h.outbound.keyId, keys: new Map([[h.outbound.keyId, h.outbound]]) },
      `outbound:${job?.recipient}:${job?.seq}`,
      job?.sealed ?? "",
    );
    expect(JSON.parse(opened)).toEqual(message);
    // The job names the request and who replied, so the sender worker can check the address (row 29).
    expect(job).toMatchObject({ requestId: id, staffId: expect.any(String) });
    // Its id, which outlives the job as a dedupe mark, holds no clock value (row 31).
    expect(job?.jobId).toMatch(new RegExp(`^staff-${id}-[A-Za-z0-9_-]{16}$`));
    expect(job?.jobId).not.toContain(String(h.now).slice(0, 8));
    // The route takes only what a reply needs: a body that also names a recipient, a channel or a job
    // kind is refused, and nothing is queued.
    for (const extra of [
      { recipient: "x".repeat(43) },
      { channel: "sms" },
      { kind: "wipe" },
      { jobId: "j" },
    ]) {
      const seq2 = `${h.now}-${Object.keys(extra)[0]?.length ?? 0}`;
      expect((await post(`/staff/api/requests/${id}/reply`, { sealed, seq: seq2, ...extra })).status).toBe(
        400,
      );
    }
    expect(h.enqueued).toHaveLength(1);

    const referral = await post(`/staff/api/requests/${id}/referrals`, {
      partnerId: "pdeu",
      route: "emergency_grant",
    });
    expect(referral.status).toBe(200);
    expect(await h.partners.listReferrals(id)).toHaveLength(1);
    expect(
      (
        await post(`/staff/api/requests/${id}/referrals`, {
          partnerId: "pdeu",
          route: "temporary_relocation",
        })
      ).status,
    ).toBe(400);

    const events = await h.audit.listForRequest(id);
    for (const action of ["assign", "status", "note", "reply", "referral"]) {
      expect(
        events.filter((e) => e.action === action),
        action,
      ).toHaveLength(1);
    }
    const text = JSON.stringify(events);
    expect(text).not.toContain(noteText);
    expect(text).not.toContain(target.canary);
    expect(text).not.toContain("hello");
    expect((await h.audit.verifyAuditChain()).ok).toBe(true);
  });

  it("records the browser's decrypt report as one audit entry", async () => {
    const id = (seeded[0] as SeededRequest).requestId;
    expect((await post(`/staff/api/requests/${id}/decrypted`, { ok: true })).status).toBe(200);
    expect((await h.audit.listForRequest(id)).filter((e) => e.action === "decrypt")).toHaveLength(1);
  });

  it("refuses state-changing requests without the session's CSRF token", async () => {
    const id = (seeded[2] as SeededRequest).requestId;
    const without = await client.post(
      `/staff/api/requests/${id}/assign`,
      { to: "me", version: 0 },
      { csrf: null },
    );
    expect(without.status).toBe(403);
    const wrong = await client.post(
      `/staff/api/requests/${id}/assign`,
      { to: "me", version: 0 },
      { csrf: "x".repeat(43) },
    );
    expect(wrong.status).toBe(403);
    expect((await h.requests.getRequest(id))?.assignee).toBeNull();
  });

  it("refuses the API without a session", async () => {
    const anon = await anonymousClient(h);
    expect((await anon.get("/staff/api/requests")).status).toBe(401);
    expect((await anon.get(`/staff/api/requests/${(seeded[0] as SeededRequest).requestId}`)).status).toBe(
      401,
    );
  });

  it("never returns a request's plaintext from any endpoint", () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const s of seeded) for (const body of bodies) expect(body).not.toContain(s.canary);
  });
});

describe("console response headers", () => {
  it("sends a strict CSP, no-store and anti-framing on pages, assets, API answers and 404s", async () => {
    for (const path of ["/staff", "/staff/assets/console.js", "/staff/api/requests", "/staff/nope"]) {
      const res = await client.get(path);
      const csp = String(res.headers["content-security-policy"]);
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("report-uri /staff/csp-report");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers["cache-control"], path).toBe("no-store");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
  });

  it("has no inline script or style in the page", async () => {
    const res = await client.get("/staff");
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/<style|style=/);
  });

  it("records CSP violation reports", async () => {
    const anon = await anonymousClient(h);
    const res = await h.app.inject({
      method: "POST",
      url: "/staff/csp-report",
      headers: { "content-type": "application/csp-report" },
      payload: JSON.stringify({
        "csp-report": { "effective-directive": "script-src-elem", "blocked-uri": "inline" },
      }),
    });
    expect(res.statusCode).toBe(204);
    expect(h.cspViolations).toEqual([{ directive: "script-src-elem", blocked: "inline" }]);
    h.cspViolations.length = 0;
    expect(anon.jar.size).toBeGreaterThan(0);
  });
});
