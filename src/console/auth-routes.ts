import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { setTimeout } from "node:timers/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { AppError } from "../errors/app-error.js";
import type { StaffAccount } from "../storage/staff.js";
import { normaliseUsername } from "../storage/staff.js";
import { type ConsoleContext, SESSION_COOKIE } from "./context.js";
import { createFakeCost } from "./fake-cost.js";
import { createFakeSalts } from "./fake-salt.js";
import { cookieOptions } from "./http-security.js";
import { meetsKdfFloor } from "./kdf-floor.js";
import { createLoginThrottle } from "./login-throttle.js";
import { hashAuthKey, verifyAuthKey } from "./staff-enrolment.js";
import { checkTotp } from "./totp.js";
import { isSealedTotpSecret, openTotpSecret, sealTotpSecret } from "./totp-at-rest.js";
import { authKeySchema, parseBody } from "./validation.js";
import { createVerifyGate } from "./verify-gate.js";

const loginBody = z.object({
  username: z.string().min(1).max(80),
  authKey: authKeySchema,
  totp: z.string().regex(/^\d{6}$/),
});

const passphraseBody = z.object({
  currentAuthKey: authKeySchema,
  authKey: authKeySchema,
  kdfSalt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  kdfOps: z.number().int().min(1).max(10),
  kdfMem: z.number().int().min(8192).max(1_073_741_824),
  wrappedPersonalSecret: z.string().regex(/^v1\.personal\.uk\.[A-Za-z0-9_-]+$/),
});

/** What the browser needs to unlock the team key after sign-in: wrapped and public values only. */
export function keyBundle(account: StaffAccount) {
  return {
    kdfSalt: account.kdfSalt,
    kdfOps: account.kdfOps,
    kdfMem: account.kdfMem,
    personalPublicKey: account.personalPublicKey,
    wrappedPersonalSecret: account.wrappedPersonalSecret,
    teamKeyId: account.teamKeyId,
    sealedTeamSecret: account.sealedTeamSecret,
  };
}

export function staffView(account: StaffAccount) {
  return {
    id: account.id,
    username: account.username,
    displayName: account.displayName,
    admin: account.admin,
  };
}

/**
 * Sign-in: the browser first fetches the salt for a name (a deterministic fake one for unknown names, with the
 * cost the accounts use), derives the authentication and unwrapping keys with Argon2id, and sends only the
 * authentication key and a TOTP code. Failures, whatever the cause, get the same answer in the same time and
 * double the wait for that (name, address) pair (429 + Retry-After while it lasts); see login-throttle.ts.
 */
export function registerAuthRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { deps } = ctx;
  const throttle = createLoginThrottle({
    redis: deps.redis,
    prefix: deps.redisPrefix,
    now: ctx.now,
    ...(deps.loginLimits ? { limits: deps.loginLimits } : {}),
  });
  // Half the cores at most for Argon2id checks (one on a 2-core host): a sign-in flood must leave a core for
  // the webhooks (bench: login-flood).
  const gate = createVerifyGate({
    concurrent: Math.max(1, Math.floor(availableParallelism() / 2)),
    queued: 16,
  });
  const fakeSalt = createFakeSalts({ redis: deps.redis, prefix: deps.redisPrefix });
  const fakeCost = createFakeCost(ctx.staff, ctx.now);
  const dummyHash = hashAuthKey(randomBytes(32));
  const totpStepKey = (staffId: string) => `${deps.redisPrefix}:staff:totp-step:${staffId}`;

  const tooSoon = (reply: FastifyReply, waitMs: number) =>
    reply
      .code(429)
      .header("retry-after", String(Math.max(1, Math.ceil(waitMs / 1000))))
      .send({ error: "RATE_LIMITED", message: "Too many failed sign-ins; wait before trying again" });

  app.get("/api/salt", async (request) => {
    const q = request.query as Record<string, unknown>;
    const username = typeof q.username === "string" ? q.username.slice(0, 80) : "";
    const account = await ctx.staff.findByUsername(username);
    if (account && !account.disabled) {
      return { salt: account.kdfSalt, opsLimit: account.kdfOps, memLimit: account.kdfMem };
    }
    const cost = await fakeCost();
    return { salt: await fakeSalt(username), opsLimit: cost.opsLimit, memLimit: cost.memLimit };
  });

  app.post("/api/login", async (request, reply) => {
    const arrived = performance.now();
    const body = parseBody(loginBody, request.body);
    const name = normaliseUsername(body.username) ?? body.username.trim().toLowerCase();
    const address = request.ip;
    const admission = await throttle.admit(name, address);
    if (!admission.admitted) return tooSoon(reply, admission.waitMs);

    const account = await ctx.staff.findByUsername(name);
    const against = account ? account.authHash : await dummyHash;
    const keyOk = await gate.run(() => verifyAuthKey(against, body.authKey));
    if (keyOk === undefined) return tooSoon(reply, 1_000);
    let step: number | undefined;
    if (account && keyOk && !account.disabled) {
      step = checkTotp(openTotpSecret(deps.totpKey, account.id, account.totpSecret), body.totp, ctx.now());
      if (step !== undefined) {
        // A code is good once: refuse a replay of the same or an earlier step.
        const last = Number((await deps.redis.get(totpStepKey(account.id))) ?? "-1");
        if (step <= last) step = undefined;
      }
    }
    if (!account || !keyOk || account.disabled || step === undefined) {
      deps.log.info("console.login_failed", {});
      // Not awaited: the audit write would make failures for existing names measurably slower than for
      // unknown ones. The chained append retries on its own; a failure is logged, without the actor.
      if (account) {
        ctx.audit
          .append({ actor: account.id, action: "login_failed" })
          .catch(() => deps.log.warn("console.audit_write_failed", { action: "login_failed" }));
      }
      await setTimeout(Math.max(0, arrived + throttle.limits.failureFloorMs - performance.now()));
      return reply
        .code(401)
        .header("retry-after", String(Math.ceil(admission.failDelayMs / 1000)))
        .send({ error: "UNAUTHENTICATED", message: "Name, passphrase or code is wrong" });
    }
    await deps.redis.set(totpStepKey(account.id), String(step), "EX", 180);
    await throttle.succeed(name, address);
    if (!isSealedTotpSecret(account.totpSecret)) {
      // An account from before encryption at rest: seal its secret now.
      const secret = openTotpSecret(deps.totpKey, account.id, account.totpSecret);
      await ctx.staff.setTotpSecret(account.id, sealTotpSecret(deps.totpKey, account.id, secret));
    }
    const { sid, session } = await ctx.sessions.create(account.id);
    await ctx.audit.append({ actor: account.id, action: "login" });
    reply.setCookie(SESSION_COOKIE, sid, cookieOptions(deps.cookieSecure));
    return { staff: staffView(account), csrf: session.csrf, keys: keyBundle(account) };
  });

  app.post("/api/logout", async (request, reply) => {
    const a = ctx.authOf(request);
    if (a) {
      await ctx.sessions.destroy(a.sid);
      await ctx.audit.append({ actor: a.account.id, action: "logout" });
    }
    reply.clearCookie(SESSION_COOKIE, cookieOptions(deps.cookieSecure));
    return { ok: true };
  });

  app.get("/api/me", { onRequest: ctx.requireStaff }, async (request) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    return { staff: staffView(a.account), csrf: a.session.csrf, keys: keyBundle(a.account) };
  });

  app.post("/api/passphrase", { onRequest: ctx.requireStaff }, async (request, reply) => {
    const a = ctx.authOf(request);
    if (!a) throw new AppError("UNAUTHENTICATED");
    const body = parseBody(passphraseBody, request.body);
    if (!meetsKdfFloor({ opsLimit: body.kdfOps, memLimit: body.kdfMem }, ctx.kdfFloor)) {
      throw new AppError("BAD_REQUEST", { detail: "key derivation cost below the minimum" });
    }
    const admission = await throttle.admit(a.account.username, request.ip);
    if (!admission.admitted) return tooSoon(reply, admission.waitMs);
    const currentOk = await gate.run(() => verifyAuthKey(a.account.authHash, body.currentAuthKey));
    if (currentOk === undefined) return tooSoon(reply, 1_000);
    if (!currentOk) throw new AppError("UNAUTHENTICATED");
    await throttle.succeed(a.account.username, request.ip);
    await ctx.staff.updateCredentials(
      a.account.id,
      {
        kdfSalt: body.kdfSalt,
        kdfOps: body.kdfOps,
        kdfMem: body.kdfMem,
        authHash: await hashAuthKey(body.authKey),
        personalPublicKey: a.account.personalPublicKey,
        wrappedPersonalSecret: body.wrappedPersonalSecret,
        teamKeyId: a.account.teamKeyId,
        sealedTeamSecret: a.account.sealedTeamSecret,
      },
      a.account.version,
    );
    // Whoever else holds a session of this member (a stolen cookie, a forgotten browser) is out at once.
    await ctx.sessions.destroyAllFor(a.account.id, a.sid);
    // The audit vocabulary has no passphrase action; re-wrapping the personal key is a key rotation.
    await ctx.audit.append({ actor: a.account.id, action: "key_rotate", details: { key: "personal_wrap" } });
    return { ok: true };
  });
}
