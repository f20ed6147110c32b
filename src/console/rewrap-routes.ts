import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { toBase64url } from "../crypto/index.js";
import { AppError, isAppError } from "../errors/app-error.js";
import { asCiphertext, asSealedDataKey } from "../storage/opaque.js";
import type { RewrappedDataKey } from "../storage/requests.js";
import type { ConsoleContext } from "./context.js";
import { parseBody } from "./validation.js";

const requestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const keyId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);
const listQuery = z.object({
  after: requestId.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const item = z.strictObject({
  id: requestId,
  version: z.number().int().min(0),
  teamKeyId: keyId,
  wrappedKey: z
    .string()
    .regex(/^v1\.field\.dk\.[A-Za-z0-9_-]{16,2000}$/)
    .optional(),
  sealedKey: z
    .string()
    .regex(/^v1\.datakey\.[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]{16,2000}$/)
    .optional(),
});
const rewrapBody = z.strictObject({ keyId, items: z.array(item).min(1).max(100) });

/**
 * Re-wrapping stored requests after a team key rotation (row 37). The admin's browser lists the requests whose
 * data key is still sealed to an older team key (by id, in batches), opens each data key with the older key
 * it holds through the rotation chain, re-seals it to the current team key, wraps it again under the same
 * erasure key, and posts the batch back. The server checks the admin session, that the key id is the current
 * team key, each item's version (a request changed meanwhile is reported as a conflict, never overwritten)
 * and that each wrapped key opens under the request's erasure key to a data key sealed to that key id. One
 * content-free audit entry per batch. Resumable by construction: the list is "what is still under an older
 * key", so a reload or a crash just continues.
 */
export function registerRewrapRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const currentKeyId = async (): Promise<string> => {
    const current = await ctx.staff.currentTeamKey();
    if (!current) throw new AppError("CONFLICT", { detail: "no team key" });
    return current.keyId;
  };

  app.get("/api/admin/team-key/rewrap", { onRequest: ctx.requireAdmin }, async (request) => {
    const q = listQuery.safeParse(request.query);
    if (!q.success) throw new AppError("BAD_REQUEST");
    const keyId = await currentKeyId();
    const limit = q.data.limit ?? 50;
    const page = await ctx.requests.listUnderOtherTeamKey(keyId, q.data.after ?? null, limit);
    const last = page.items.at(-1);
    return {
      keyId,
      remaining: page.remaining,
      items: page.items.map((r) => ({
        id: r.requestId,
        teamKeyId: r.teamKeyId,
        version: r.version,
        wrappedKey: r.wrappedKey,
        sealedKey: r.sealedKey,
        erasureKey: r.erasureKey ? toBase64url(r.erasureKey) : null,
      })),
      next: last && page.items.length === limit ? last.requestId : null,
    };
  });

  app.post("/api/admin/team-key/rewrap", { onRequest: ctx.requireAdmin }, async (request) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    const body = parseBody(rewrapBody, request.body);
    const keyId = await currentKeyId();
    if (body.keyId !== keyId) {
      throw new AppError("BAD_REQUEST", { detail: "not the current team key; reload and try again" });
    }
    const next: Array<{ id: string; version: number; key: RewrappedDataKey }> = [];
    for (const i of body.items) {
      if (i.teamKeyId !== keyId || (i.wrappedKey === undefined) === (i.sealedKey === undefined)) {
        throw new AppError("BAD_REQUEST", { detail: "each item: the current key id and one re-sealed key" });
      }
      next.push({
        id: i.id,
        version: i.version,
        key:
          i.wrappedKey !== undefined
            ? { teamKeyId: keyId, wrappedKey: asCiphertext(i.wrappedKey) }
            : { teamKeyId: keyId, sealedKey: asSealedDataKey(String(i.sealedKey)) },
      });
    }
    let rewrapped = 0;
    const conflicts: string[] = [];
    let refused: unknown;
    for (const n of next) {
      try {
        await ctx.requests.rewrapDataKey(n.id, n.version, n.key);
        rewrapped++;
      } catch (err) {
        if (isAppError(err, "CONFLICT") || isAppError(err, "NOT_FOUND")) conflicts.push(n.id);
        else {
          refused = err;
          break;
        }
      }
    }
    await ctx.audit.append({
      actor: a.account.id,
      action: "key_rewrap",
      details: { key: "team", keyId, rewrapped, conflicts: conflicts.length },
    });
    if (refused) throw refused;
    return { keyId, rewrapped, conflicts };
  });
}
