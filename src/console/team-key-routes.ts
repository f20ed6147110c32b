import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AppError } from "../errors/app-error.js";
import type { ConsoleContext } from "./context.js";
import { parseBody } from "./validation.js";

const keyId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);
const rotateBody = z.object({
  previousKeyId: keyId,
  keyId,
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  sealedPrevious: z.string().regex(/^v1\.teamkey\.[a-z0-9-]+\.[A-Za-z0-9_-]+$/),
  members: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
        version: z.number().int().min(0),
        sealedTeamSecret: z.string().regex(/^v1\.teamkey\.pk\.[A-Za-z0-9_-]+$/),
      }),
    )
    .min(1)
    .max(1000),
});

/**
 * Team key rotation (row 37). An admin's browser makes a new team key pair, seals the old secret to the new
 * public key (so current staff keep reading every older request through the chain) and the new secret to every
 * active member's public key. The server checks the set is exactly the active members, publishes the new public
 * key in `team_keys`, stores each member's new sealed secret, and deletes the sealed team secret of every
 * disabled or unconfirmed member. The screening worker seals to the new key only once an operator has pinned it
 * (`intake keys pin-team`, docs/operations.md): a key that is only in the database is refused (row 27).
 */
export function registerTeamKeyRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get("/api/team-keys", { onRequest: ctx.requireStaff }, async () => ({
    keys: (await ctx.staff.listTeamKeys()).map((k) => ({
      keyId: k.keyId,
      publicKey: k.publicKey,
      previousKeyId: k.previousKeyId ?? null,
      sealedPrevious: k.sealedPrevious ?? null,
    })),
  }));

  app.post("/api/admin/team-key/rotate", { onRequest: ctx.requireAdmin }, async (request) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    const body = parseBody(rotateBody, request.body);
    const current = await ctx.staff.currentTeamKey();
    // A rotation cut short (a member changed meanwhile: CONFLICT) is resumed by sending the same new key again.
    const resuming = current?.keyId === body.keyId && current.previousKeyId === body.previousKeyId;
    if (!current || (!resuming && current.keyId !== body.previousKeyId)) {
      throw new AppError("CONFLICT", { detail: "the team key changed; reload and try again" });
    }
    if (!body.sealedPrevious.startsWith(`v1.teamkey.${body.keyId}.`)) {
      throw new AppError("BAD_REQUEST", { detail: "previous key must be sealed to the new key" });
    }
    const all = await ctx.staff.list();
    // Members holding a team key (a member invited but not yet confirmed holds none and gets none here).
    const active = all.filter((s) => !s.disabled && s.sealedTeamSecret !== "");
    const given = new Map(body.members.map((m) => [m.id, m]));
    if (
      given.size !== body.members.length ||
      given.size !== active.length ||
      active.some((s) => !given.has(s.id))
    ) {
      throw new AppError("BAD_REQUEST", {
        detail: "the new key must be sealed to every active member, and only them",
      });
    }
    if (!resuming) {
      await ctx.staff.addTeamKey({
        keyId: body.keyId,
        publicKey: body.publicKey,
        createdBy: a.account.id,
        previousKeyId: current.keyId,
        sealedPrevious: body.sealedPrevious,
      });
    } else if (current.publicKey !== body.publicKey) {
      throw new AppError("CONFLICT", { detail: "a different key with this id exists" });
    }
    for (const m of body.members)
      await ctx.staff.setTeamSecret(m.id, body.keyId, m.sealedTeamSecret, m.version);
    const removed = all.filter((s) => s.disabled && s.sealedTeamSecret !== "");
    for (const s of removed) await ctx.staff.setTeamSecret(s.id, "", "", s.version);
    await ctx.audit.append({
      actor: a.account.id,
      action: "key_rotate",
      details: { key: "team", keyId: body.keyId, members: body.members.length, removed: removed.length },
    });
    return { keyId: body.keyId, members: body.members.length, removed: removed.length };
  });
}
