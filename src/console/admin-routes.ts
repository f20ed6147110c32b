import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AppError } from "../errors/app-error.js";
import type { ConsoleContext } from "./context.js";
import { parseBody } from "./validation.js";

const disableBody = z.object({ disabled: z.boolean(), version: z.number().int().min(0) });
const staffParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) });

/**
 * Admin API: staff management (members enrol by invitation, src/console/invitation-routes.ts: the admin never
 * sees their passphrase or TOTP secret), the audit log with chain verification, and queue health counts.
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { deps } = ctx;
  const admin = { onRequest: ctx.requireAdmin };
  const actor = (request: Parameters<ConsoleContext["authOf"]>[0]) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    return a;
  };

  app.get("/api/admin/staff", admin, async () => ({
    staff: (await ctx.staff.list()).map((s) => ({
      id: s.id,
      username: s.username,
      displayName: s.displayName,
      admin: s.admin,
      disabled: s.disabled,
      createdDay: s.createdAt.toISOString().slice(0, 10),
      version: s.version,
      // Waiting for an admin to confirm their key and seal the team key to it.
      pending: s.sealedTeamSecret === "",
      personalPublicKey: s.personalPublicKey,
    })),
  }));

  app.post("/api/admin/staff/:id/disabled", admin, async (request) => {
    const a = actor(request);
    const p = staffParam.safeParse(request.params);
    if (!p.success) throw new AppError("NOT_FOUND");
    const body = parseBody(disableBody, request.body);
    if (p.data.id === a.account.id) throw new AppError("BAD_REQUEST", { detail: "cannot disable yourself" });
    const updated = await ctx.staff.setDisabled(p.data.id, body.disabled, body.version);
    if (updated.disabled) await ctx.sessions.destroyAllFor(updated.id);
    await ctx.audit.append({
      actor: a.account.id,
      action: updated.disabled ? "staff_disable" : "staff_enable",
      details: { staffId: updated.id },
    });
    return { id: updated.id, disabled: updated.disabled, version: updated.version };
  });

  app.get("/api/admin/audit", admin, async (request) => {
    const q = request.query as Record<string, unknown>;
    const limit = Math.min(500, Math.max(1, Number(q.limit ?? 200) || 200));
    const requestId =
      typeof q.requestId === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(q.requestId) ? q.requestId : undefined;
    if (requestId) {
      const events = await ctx.audit.listForRequest(requestId, limit);
      return {
        entries: events.map((e) => ({ ...e, at: e.at.toISOString() })).reverse(),
      };
    }
    return { entries: await ctx.auditLatest(limit) };
  });

  app.get("/api/admin/audit/verify", admin, async () => {
    const r = await ctx.audit.verifyAuditChain();
    return { ok: r.ok, checked: r.checked, firstBadSeq: r.brokenAt ?? null };
  });

  app.get("/api/admin/health", admin, async () => {
    const cspRaw = await deps.redis.get(`${deps.redisPrefix}:staff:csp-violations`);
    return { queues: deps.queueHealth ? await deps.queueHealth() : {}, cspViolations: Number(cspRaw ?? 0) };
  });
}
