import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AppError } from "../errors/app-error.js";
import type { ConsoleContext } from "./context.js";
import { meetsKdfFloor } from "./kdf-floor.js";
import { createLoginThrottle } from "./login-throttle.js";
import { registerStaff } from "./staff-enrolment.js";
import { authKeySchema, parseBody } from "./validation.js";

/** How long an invitation code stays valid. */
export const INVITATION_TTL_MS = 72 * 3_600_000;

const inviteBody = z.object({
  username: z.string().min(2).max(40),
  displayName: z.string().min(1).max(80),
  admin: z.boolean(),
});
const joinBody = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  username: z.string().min(2).max(40),
  code: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  kdfSalt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  kdfOps: z.number().int().min(1).max(10),
  kdfMem: z.number().int().min(8192).max(1_073_741_824),
  authKey: authKeySchema,
  personalPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  wrappedPersonalSecret: z.string().regex(/^v1\.personal\.uk\.[A-Za-z0-9_-]+$/),
});
const grantBody = z.object({
  teamKeyId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
  sealedTeamSecret: z.string().regex(/^v1\.teamkey\.pk\.[A-Za-z0-9_-]+$/),
  version: z.number().int().min(0),
});
const staffParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) });

const codeHash = (code: string) => createHash("sha256").update(code).digest("base64url");

/**
 * Enrolment by invitation (row 36). An admin names the member and gets a one-time code to hand over out of
 * band. The member redeems it in their own browser: their passphrase, keys and personal key pair are made
 * there, and the server answers the new TOTP secret to the member alone. The member's account holds no team key
 * until an admin's browser, after both compare the short fingerprint of the member's public key, seals the
 * team key to it. The admin never sees the passphrase or the TOTP secret.
 */
export function registerInvitationRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { deps } = ctx;
  const admin = { onRequest: ctx.requireAdmin };
  const throttle = createLoginThrottle({
    redis: deps.redis,
    prefix: `${deps.redisPrefix}:join`,
    now: ctx.now,
    ...(deps.loginLimits ? { limits: deps.loginLimits } : {}),
  });

  app.post("/api/admin/invitations", admin, async (request) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    const body = parseBody(inviteBody, request.body);
    const code = randomBytes(16).toString("base64url");
    const expiresAt = new Date(ctx.now() + INVITATION_TTL_MS);
    await ctx.staff.putInvitation({
      username: body.username,
      displayName: body.displayName.trim(),
      admin: body.admin,
      codeHash: codeHash(code),
      expiresAt,
      createdBy: a.account.id,
    });
    await ctx.audit.append({ actor: a.account.id, action: "staff_add", details: { invitation: true } });
    return { code, expiresAt: expiresAt.toISOString() };
  });

  app.post("/api/join", async (request, reply) => {
    const body = parseBody(joinBody, request.body);
    const admission = await throttle.admit(body.username, request.ip);
    if (!admission.admitted) {
      return reply
        .code(429)
        .header("retry-after", String(Math.max(1, Math.ceil(admission.waitMs / 1000))))
        .send({ error: "RATE_LIMITED", message: "Too many attempts; wait before trying again" });
    }
    if (!meetsKdfFloor({ opsLimit: body.kdfOps, memLimit: body.kdfMem }, ctx.kdfFloor)) {
      throw new AppError("BAD_REQUEST", { detail: "key derivation cost below the minimum" });
    }
    const invitation = await ctx.staff.takeInvitation(
      body.username,
      codeHash(body.code),
      new Date(ctx.now()),
    );
    if (!invitation) throw new AppError("UNAUTHENTICATED");
    await throttle.succeed(body.username, request.ip);
    const created = await registerStaff(
      ctx.staff,
      {
        id: body.id,
        username: invitation.username,
        displayName: invitation.displayName,
        admin: invitation.admin,
        kdfSalt: body.kdfSalt,
        kdfOps: body.kdfOps,
        kdfMem: body.kdfMem,
        authKey: body.authKey,
        personalPublicKey: body.personalPublicKey,
        wrappedPersonalSecret: body.wrappedPersonalSecret,
        teamKeyId: "",
        sealedTeamSecret: "",
      },
      deps.totpKey,
    );
    await ctx.audit.append({
      actor: created.account.id,
      action: "staff_add",
      details: { staffId: created.account.id, admin: created.account.admin, joined: true },
    });
    return { username: created.account.username, totpSecret: created.totpSecret, totpUri: created.totpUri };
  });

  app.post("/api/admin/staff/:id/team-key", admin, async (request) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    const p = staffParam.safeParse(request.params);
    if (!p.success) throw new AppError("NOT_FOUND");
    const body = parseBody(grantBody, request.body);
    const team = await ctx.staff.currentTeamKey();
    if (!team || team.keyId !== body.teamKeyId) throw new AppError("BAD_REQUEST", { detail: "team key id" });
    const target = await ctx.staff.findById(p.data.id);
    if (!target || target.disabled) throw new AppError("NOT_FOUND");
    const updated = await ctx.staff.setTeamSecret(
      target.id,
      body.teamKeyId,
      body.sealedTeamSecret,
      body.version,
    );
    await ctx.audit.append({
      actor: a.account.id,
      action: "key_rotate",
      details: { key: "team_wrap", staffId: updated.id },
    });
    return { id: updated.id, version: updated.version };
  });
}
