import type { FastifyRequest } from "fastify";
import type { Argon2Params } from "../crypto/index.js";
import type { AuditLog } from "../storage/audit.js";
import type { AuditRow } from "../storage/audit-reader.js";
import type { PartnerStore } from "../storage/partners.js";
import type { RequestStore } from "../storage/requests.js";
import type { StaffAccount, StaffStore } from "../storage/staff.js";
import type { ConsoleDeps } from "./deps.js";
import type { SessionStore, StaffSession } from "./sessions.js";

/** Cookie names. Both are HttpOnly, SameSite=Strict, Path=/staff. */
export const SESSION_COOKIE = "staff_sid";
export const PRE_CSRF_COOKIE = "staff_csrf";
/** Header the browser sets on automatic refreshes: they do not count as activity for the idle timeout. */
export const BACKGROUND_HEADER = "x-background-refresh";
/** Header every state-changing request carries its CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";

/** The signed-in staff member behind a request. */
export interface StaffAuth {
  readonly sid: string;
  readonly session: StaffSession;
  readonly account: StaffAccount;
}

/** Per-request auth state, kept off the request object so no global Fastify types are augmented. */
export interface ConsoleContext {
  readonly deps: ConsoleDeps;
  readonly staff: StaffStore;
  readonly requests: RequestStore;
  readonly partners: PartnerStore;
  readonly audit: AuditLog;
  readonly auditLatest: (limit: number) => Promise<AuditRow[]>;
  readonly sessions: SessionStore;
  readonly now: () => number;
  /** The Argon2id floor in force (deps.kdfFloor or the production floor). */
  readonly kdfFloor: Argon2Params;
  authOf(request: FastifyRequest): StaffAuth | undefined;
  /** Route hook: 401 unless signed in. */
  requireStaff(request: FastifyRequest): Promise<void>;
  /** Route hook: 401 unless signed in, 403 unless an admin. */
  requireAdmin(request: FastifyRequest): Promise<void>;
}
