import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { toBase64url } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import { langs } from "../intake/messages.js";
import { routeFlags, urgencyLevels } from "../screening/types.js";
import { asCiphertext } from "../storage/opaque.js";
import { requestStatuses } from "../storage/request-status.js";
import type { RequestFilter, RequestSummary } from "../storage/requests.js";
import type { ConsoleContext, StaffAuth } from "./context.js";
import { defaultSlaHours, slaClock } from "./sla.js";
import { parseBody } from "./validation.js";

const idParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const version = z.number().int().min(0);

const listQuery = z.object({
  status: z.enum([...requestStatuses, "open", "all"]).optional(),
  urgency: z.enum(urgencyLevels).optional(),
  channel: z.enum(["telegram", "sms"]).optional(),
  lang: z.enum(langs as readonly [string, ...string[]]).optional(),
  mine: z.enum(["1", "0"]).optional(),
  after: z.string().max(200).optional(),
});

const assignBody = z.object({ to: z.union([z.literal("me"), z.literal("none")]), version });
const statusBody = z.object({ to: z.enum(requestStatuses), version });
const noteBody = z.object({ content: z.string().regex(/^v1\.field\.dk\.[A-Za-z0-9_-]{16,20000}$/), version });
// Exactly what a reply needs: anything else in the body (a job kind, a recipient, a channel) is refused.
const replyBody = z.strictObject({
  sealed: z.string().regex(/^v1\.outbound\.[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]{16,40000}$/),
  seq: z.string().regex(/^\d{13}-\d{1,6}$/),
});
const referralBody = z.object({
  partnerId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  route: z.enum(routeFlags),
});
const decryptBody = z.object({ ok: z.boolean() });

/** The queue's open statuses (the default view). */
const openView = ["new", "in_review", "pending_referral"] as const;

/**
 * The queue and request API. Lists carry triage codes only; a single request adds its ciphertext and sealed
 * data key, which only a staff browser holding the team key can open. Views, decrypts (reported by the
 * browser), changes, notes, replies and referrals each write one content-free audit event.
 */
export function registerRequestRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { deps } = ctx;
  const sla = deps.sla ?? defaultSlaHours;
  const me = (request: FastifyRequest): StaffAuth => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    return a;
  };
  const staffNames = async () => new Map((await ctx.staff.list()).map((s) => [s.id, s.displayName]));
  const summaryView = (r: RequestSummary, names: Map<string, string>, now: number) => ({
    id: r.requestId,
    reference: r.reference,
    status: r.status,
    urgency: r.urgency,
    reasons: r.reasons,
    routes: r.routes,
    channel: r.channel,
    lang: r.lang,
    createdDay: r.createdDay,
    statusDay: r.statusDay,
    assignee: r.assignee,
    assigneeName: r.assignee ? (names.get(r.assignee) ?? null) : null,
    duplicateOf: r.duplicateOf,
    relatedRequestIds: r.relatedRequestIds,
    version: r.version,
    // The SLA is to pick a request up: it runs while the request is new.
    sla: r.status === "new" ? slaClock(r.createdDay, r.urgency, sla, now) : null,
  });

  app.get("/api/config", { onRequest: ctx.requireStaff }, async () => {
    const outbound = await deps.outboundPublicKey();
    return {
      sla,
      outbound: outbound ? { keyId: outbound.keyId, publicKey: toBase64url(outbound.publicKey) } : null,
      statuses: requestStatuses,
      routes: routeFlags,
    };
  });

  app.get("/api/requests", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const q = listQuery.safeParse(request.query);
    if (!q.success) throw new AppError("BAD_REQUEST");
    const base: { -readonly [K in keyof RequestFilter]: RequestFilter[K] } = {};
    if (q.data.urgency) base.urgency = q.data.urgency;
    if (q.data.channel) base.channel = q.data.channel;
    if (q.data.lang) base.lang = q.data.lang as RequestFilter["lang"];
    if (q.data.mine === "1") base.assignee = a.account.id;
    const status = q.data.status ?? "open";
    const filter: RequestFilter = {
      ...base,
      ...(status === "all" ? {} : { status: status === "open" ? openView : status }),
    };
    const [page, counts, names] = await Promise.all([
      ctx.requests.listRequests({ ...filter, limit: 100, ...(q.data.after ? { after: q.data.after } : {}) }),
      ctx.requests.countByStatusAndUrgency(base),
      staffNames(),
    ]);
    const now = ctx.now();
    return { items: page.items.map((r) => summaryView(r, names, now)), next: page.next ?? null, counts, now };
  });

  app.get("/api/requests/:id", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const r = await ctx.requests.getRequest(id);
    if (!r) throw new AppError("NOT_FOUND");
    const [names, referrals] = await Promise.all([staffNames(), ctx.partners.listReferrals(id)]);
    await ctx.audit.append({ actor: a.account.id, action: "view", requestId: id });
    return {
      ...summaryView(r, names, ctx.now()),
      // Ciphertext only: the server holds no key that opens these.
      content: r.content,
      sealedKey: r.sealedKey,
      // The team-sealed data key wrapped under the request's erasure key, and that key (row 26): not
      // secret from signed-in staff; deleting it from the key store is what shreds every copy.
      wrappedKey: r.wrappedKey,
      erasureKey: r.erasureKey ? toBase64url(r.erasureKey) : null,
      teamKeyId: r.teamKeyId,
      // Keyed hash of the defender's channel identity: the browser binds the reply seal to it.
      recipient: r.senderHash,
      notes: r.notes.map((n) => ({
        content: n.content,
        day: n.day,
        authorId: n.authorId,
        authorName: names.get(n.authorId) ?? null,
      })),
      referrals,
    };
  });

  app.post("/api/requests/:id/decrypted", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const body = parseBody(decryptBody, request.body);
    await ctx.audit.append({
      actor: a.account.id,
      action: "decrypt",
      requestId: id,
      details: { ok: body.ok },
    });
    return { ok: true };
  });

  app.post("/api/requests/:id/assign", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const body = parseBody(assignBody, request.body);
    const updated = await ctx.requests.assign(id, body.version, body.to === "me" ? a.account.id : null);
    await ctx.audit.append({
      actor: a.account.id,
      action: "assign",
      requestId: id,
      details: { assignee: updated.assignee },
    });
    return { version: updated.version, assignee: updated.assignee };
  });

  app.post("/api/requests/:id/status", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const body = parseBody(statusBody, request.body);
    const before = await ctx.requests.getRequest(id);
    if (!before) throw new AppError("NOT_FOUND");
    const updated = await ctx.requests.changeStatus(id, body.version, body.to);
    await ctx.audit.append({
      actor: a.account.id,
      action: "status",
      requestId: id,
      details: { from: before.status, to: updated.status },
    });
    return { version: updated.version, status: updated.status };
  });

  app.post("/api/requests/:id/notes", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const body = parseBody(noteBody, request.body);
    const updated = await ctx.requests.addNote(id, body.version, {
      content: asCiphertext(body.content),
      authorId: a.account.id,
    });
    await ctx.audit.append({
      actor: a.account.id,
      action: "note",
      requestId: id,
      details: { notes: updated.notes.length },
    });
    return { version: updated.version };
  });

  app.post("/api/requests/:id/reply", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const body = parseBody(replyBody, request.body);
    const r = await ctx.requests.getRequest(id);
    if (!r) throw new AppError("NOT_FOUND");
    // A closed, erased or expired request no longer knows its sender (row 28): nothing to reply to.
    if (r.senderHash === null) throw new AppError("BAD_REQUEST", { detail: "request has no sender link" });
    const senderHash = r.senderHash;
    const outbound = await deps.outboundPublicKey();
    // Refuse a reply sealed to any key but the current outbound one: the sender could not open it.
    if (!outbound || body.sealed.split(".")[2] !== outbound.keyId)
      throw new AppError("BAD_REQUEST", { detail: "key id" });
    // The browser mints the sequence from its clock; a far-off one would misorder the recipient's messages.
    if (Math.abs(Number(body.seq.split("-")[0]) - ctx.now()) > 10 * 60_000) {
      throw new AppError("BAD_REQUEST", { detail: "seq" });
    }
    // The request and a digest of the sequence (a millisecond clock value, kept out of the id and of the
    // dedupe mark that outlives the job: security row 31); the same as queues' staffReplyJobId.
    const jobId = `staff-${id}-${createHash("sha256").update(body.seq).digest("base64url").slice(0, 16)}`;
    await deps.enqueueOutbound({
      channel: r.channel,
      recipient: senderHash,
      sealed: body.sealed,
      seq: body.seq,
      jobId,
      requestId: id,
      staffId: a.account.id,
    });
    await ctx.audit.append({
      actor: a.account.id,
      action: "reply",
      requestId: id,
      details: { jobId, channel: r.channel },
    });
    return { queued: true, jobId };
  });

  app.get("/api/partners", { onRequest: ctx.requireStaff }, async () => ({
    partners: (await ctx.partners.listPartners()).map((p) => ({
      id: p.partnerId,
      name: p.name,
      routes: p.routes,
    })),
  }));

  app.post("/api/requests/:id/referrals", { onRequest: ctx.requireStaff }, async (request) => {
    const a = me(request);
    const { id } = parseParams(request.params);
    const body = parseBody(referralBody, request.body);
    const r = await ctx.requests.getRequest(id);
    if (!r) throw new AppError("NOT_FOUND");
    const partner = await ctx.partners.getPartner(body.partnerId);
    if (!partner?.active || !partner.routes.includes(body.route))
      throw new AppError("BAD_REQUEST", { detail: "partner or route" });
    await ctx.partners.recordReferral({
      requestId: id,
      partnerId: body.partnerId,
      route: body.route,
      staffId: a.account.id,
    });
    await ctx.audit.append({
      actor: a.account.id,
      action: "referral",
      requestId: id,
      details: { partnerId: body.partnerId, route: body.route },
    });
    return { ok: true };
  });
}

function parseParams(params: unknown): { id: string } {
  const p = idParam.safeParse(params);
  if (!p.success) throw new AppError("NOT_FOUND");
  return p.data;
}
