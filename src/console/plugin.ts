import { randomBytes } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { cryptoReady } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import { createAuditLog } from "../storage/audit.js";
import { createAuditReader } from "../storage/audit-reader.js";
import { createPartnerStore } from "../storage/partners.js";
import { createRequestStore } from "../storage/requests.js";
import { createStaffStore } from "../storage/staff.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { buildConsoleAssets } from "./assets.js";
import { registerAuthRoutes } from "./auth-routes.js";
import {
  BACKGROUND_HEADER,
  type ConsoleContext,
  CSRF_HEADER,
  PRE_CSRF_COOKIE,
  SESSION_COOKIE,
  type StaffAuth,
} from "./context.js";
import type { ConsoleDeps } from "./deps.js";
import { CSP_REPORT_PATH, cookieOptions, helmetOptions, tokensEqual } from "./http-security.js";
import { registerInvitationRoutes } from "./invitation-routes.js";
import { PRODUCTION_KDF_FLOOR } from "./kdf-floor.js";
import { registerRequestRoutes } from "./request-routes.js";
import { registerRewrapRoutes } from "./rewrap-routes.js";
import { createSessionStore } from "./sessions.js";
import { renderShell } from "./shell.js";
import { registerTeamKeyRoutes } from "./team-key-routes.js";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The staff console under /staff: one HTML page, the browser bundle, and a JSON API that never returns
 * plaintext content (requests leave the server as ciphertext and a sealed data key; the browser decrypts).
 * Every response carries a strict CSP and `Cache-Control: no-store`; sessions live in Redis and hold ids only;
 * every state-changing request needs the CSRF token in a header.
 */
export function createConsolePlugin(deps: ConsoleDeps): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await cryptoReady();
    const kdfFloor = deps.kdfFloor ?? PRODUCTION_KDF_FLOOR;
    const assets = await buildConsoleAssets({ kdfFloor });
    const now = deps.now ?? Date.now;
    const sessions = createSessionStore({
      redis: deps.redis,
      prefix: deps.redisPrefix,
      now,
      ...(deps.sessionLimits ? { limits: deps.sessionLimits } : {}),
    });
    const auth = new WeakMap<FastifyRequest, StaffAuth>();
    const staff = createStaffStore(deps.connection);
    const ctx: ConsoleContext = {
      deps,
      staff,
      requests: createRequestStore({
        connection: deps.connection,
        retentionDays: deps.retentionDays,
        ...(deps.erasureKeys ? { erasureKeys: deps.erasureKeys } : {}),
      }),
      partners: createPartnerStore({ connection: deps.connection }),
      audit: createAuditLog({ connection: deps.connection, key: deps.auditKey }),
      auditLatest: createAuditReader(deps.connection).latest,
      sessions,
      now,
      kdfFloor,
      authOf: (request) => auth.get(request),
      async requireStaff(request) {
        if (!auth.get(request)) throw new AppError("UNAUTHENTICATED");
      },
      async requireAdmin(request) {
        const a = auth.get(request);
        if (!a) throw new AppError("UNAUTHENTICATED");
        if (!a.account.admin) throw new AppError("FORBIDDEN");
      },
    };

    await app.register(
      async (scope) => {
        await scope.register(fastifyCookie);
        await scope.register(fastifyHelmet, helmetOptions());

        scope.addContentTypeParser(
          ["application/csp-report", "application/reports+json"],
          { parseAs: "string", bodyLimit: CSP_REPORT_MAX_BYTES },
          (_request, body, done) => {
            try {
              done(null, JSON.parse(String(body)) as unknown);
            } catch {
              done(null, {});
            }
          },
        );

        scope.addHook("onSend", async (_request, reply, payload) => {
          reply.header("cache-control", "no-store");
          reply.header("pragma", "no-cache");
          return payload;
        });

        scope.addHook("onRequest", async (request, reply) => {
          const sid = request.cookies[SESSION_COOKIE];
          if (sid) {
            const session = await sessions.touch(sid, request.headers[BACKGROUND_HEADER] !== "1");
            const account = session ? await staff.findById(session.staffId) : undefined;
            if (session && account && !account.disabled) {
              auth.set(request, { sid, session, account });
            } else {
              if (session) await sessions.destroy(sid);
              reply.clearCookie(SESSION_COOKIE, cookieOptions(deps.cookieSecure));
            }
          }
          if (safeMethods.has(request.method) || request.url.split("?")[0] === CSP_REPORT_PATH) return;
          const sent = request.headers[CSRF_HEADER];
          const token = typeof sent === "string" ? sent : undefined;
          const signedIn = auth.get(request);
          const expected = signedIn ? signedIn.session.csrf : request.cookies[PRE_CSRF_COOKIE];
          if (!tokensEqual(token, expected)) {
            deps.log.warn("console.csrf_refused", { route: request.routeOptions.url ?? "(unmatched)" });
            throw new AppError("FORBIDDEN", { detail: "missing or wrong CSRF token" });
          }
        });

        scope.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "NOT_FOUND" }));

        const shell = async (request: FastifyRequest, reply: FastifyReply) => {
          let token = request.cookies[PRE_CSRF_COOKIE];
          if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
            token = randomBytes(32).toString("base64url");
            reply.setCookie(PRE_CSRF_COOKIE, token, cookieOptions(deps.cookieSecure));
          }
          return reply
            .type("text/html; charset=utf-8")
            .send(renderShell({ csrfToken: token, assetVersion: assets.version }));
        };
        scope.get("/", shell);

        scope.get("/assets/console.js", async (_request, reply) =>
          reply.type("text/javascript; charset=utf-8").send(assets.js),
        );
        scope.get("/assets/console.css", async (_request, reply) =>
          reply.type("text/css; charset=utf-8").send(assets.css),
        );

        // Anonymous by nature (browsers post reports without credentials), so bounded: small bodies, a few
        // violations per body, and a global budget per minute beyond which reports are dropped unread.
        scope.post("/csp-report", async (request, reply) => {
          for (const v of cspViolations(request.body).slice(0, CSP_VIOLATIONS_PER_REPORT)) {
            if (!(await withinCspBudget(deps.redis, deps.redisPrefix))) break;
            deps.log.warn("console.csp_violation", { directive: v.directive, blocked: v.blocked });
            await deps.redis.incr(`${deps.redisPrefix}:staff:csp-violations`);
            deps.onCspViolation?.(v);
          }
          return reply.code(204).send();
        });

        registerAuthRoutes(scope, ctx);
        registerRequestRoutes(scope, ctx);
        registerAdminRoutes(scope, ctx);
        registerInvitationRoutes(scope, ctx);
        registerTeamKeyRoutes(scope, ctx);
        registerRewrapRoutes(scope, ctx);
      },
      { prefix: "/staff" },
    );
  };
}

/** A real report is well under 2 KB; larger bodies get 413 before they are parsed. */
const CSP_REPORT_MAX_BYTES = 4 * 1024;
const CSP_VIOLATIONS_PER_REPORT = 5;
const CSP_VIOLATIONS_PER_MINUTE = 60;

/** Takes one unit of the global per-minute budget, atomically; false once it is spent. */
async function withinCspBudget(redis: ConsoleDeps["redis"], prefix: string): Promise<boolean> {
  const key = `${prefix}:staff:csp-budget`;
  const result = await redis.multi().set(key, "0", "EX", 60, "NX").incr(key).exec();
  const used = Number(result?.[1]?.[1] ?? Number.POSITIVE_INFINITY);
  return used <= CSP_VIOLATIONS_PER_MINUTE;
}

/** Reads `report-uri` and Reporting API bodies down to the directive and a coarse label of what was blocked. */
function cspViolations(body: unknown): Array<{ directive: string; blocked: string }> {
  const reports: unknown[] = Array.isArray(body) ? body.map((r) => (r as { body?: unknown }).body) : [];
  if (body && typeof body === "object" && "csp-report" in body)
    reports.push((body as Record<string, unknown>)["csp-report"]);
  const out: Array<{ directive: string; blocked: string }> = [];
  for (const r of reports) {
    if (!r || typeof r !== "object") continue;
    const rec = r as Record<string, unknown>;
    const directive = String(
      rec["effective-directive"] ?? rec.effectiveDirective ?? rec["violated-directive"] ?? "unknown",
    );
    const blockedRaw = String(rec["blocked-uri"] ?? rec.blockedURL ?? "");
    // Only the kind of source: a full URL could carry a query string.
    const blocked = /^[a-z-]+$/.test(blockedRaw)
      ? blockedRaw
      : blockedRaw.startsWith("http")
        ? "url"
        : "other";
    out.push({ directive: directive.replace(/[^a-z-]/g, "").slice(0, 40), blocked });
  }
  return out;
}
