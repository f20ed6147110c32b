import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** What a console session holds: ids and timestamps only, never a key or anything a defender said. */
export interface StaffSession {
  readonly staffId: string;
  /** Synchronizer CSRF token for this session; state-changing requests must echo it in a header. */
  readonly csrf: string;
  /** When the session was created (ms); the absolute limit counts from here. */
  readonly createdAt: number;
}

export interface SessionLimits {
  /** A session unused for this long ends (default 30 min). */
  readonly idleMs: number;
  /** A session ends this long after sign-in however active it is (default 12 h). */
  readonly absoluteMs: number;
}

export const defaultSessionLimits: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

/** Server-side console sessions in Redis, keyed by a hash of the cookie value. */
export interface SessionStore {
  /** Starts a session and returns the cookie value (the only place the raw id exists). */
  create(staffId: string): Promise<{ sid: string; session: StaffSession }>;
  /**
   * Returns the live session for a cookie value, or undefined. Extends its idle timer unless `extend` is
   * false (the queue's automatic refresh must not keep an unattended console signed in).
   */
  touch(sid: string, extend?: boolean): Promise<StaffSession | undefined>;
  destroy(sid: string): Promise<void>;
  /**
   * Ends every session of one staff member (disable), or every one but `exceptSid` (a passphrase change ends
   * the member's other sessions and keeps the one that made it).
   */
  destroyAllFor(staffId: string, exceptSid?: string): Promise<void>;
}

/**
 * Creates the session store. Redis holds `sha256(sid)` as the key, so a Redis dump gives no usable
 * cookie; the idle timeout is the key's TTL, refreshed on each use; the absolute limit is checked
 * against `createdAt`.
 */
export function createSessionStore(deps: {
  redis: Redis;
  prefix: string;
  limits?: SessionLimits;
  now?: () => number;
}): SessionStore {
  const limits = deps.limits ?? defaultSessionLimits;
  const now = deps.now ?? Date.now;
  const keyOf = (sid: string) =>
    `${deps.prefix}:staff:session:${createHash("sha256").update(sid).digest("base64url")}`;
  const indexOf = (staffId: string) => `${deps.prefix}:staff:sessions-of:${staffId}`;
  const ttlSeconds = Math.ceil(limits.idleMs / 1000);

  return {
    async create(staffId) {
      const sid = randomBytes(32).toString("base64url");
      const session: StaffSession = {
        staffId,
        csrf: randomBytes(32).toString("base64url"),
        createdAt: now(),
      };
      const key = keyOf(sid);
      await deps.redis
        .multi()
        .set(key, JSON.stringify(session), "EX", ttlSeconds)
        .sadd(indexOf(staffId), key)
        .expire(indexOf(staffId), Math.ceil(limits.absoluteMs / 1000))
        .exec();
      return { sid, session };
    },
    async touch(sid, extend = true) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(sid)) return undefined;
      const key = keyOf(sid);
      const raw = await deps.redis.get(key);
      if (!raw) return undefined;
      const session = parseSession(raw);
      if (!session || now() - session.createdAt > limits.absoluteMs) {
        await deps.redis.del(key);
        return undefined;
      }
      if (extend) await deps.redis.expire(key, ttlSeconds);
      return session;
    },
    async destroy(sid) {
      await deps.redis.del(keyOf(sid));
    },
    async destroyAllFor(staffId, exceptSid) {
      const keep = exceptSid ? keyOf(exceptSid) : undefined;
      const keys = (await deps.redis.smembers(indexOf(staffId))).filter((k) => k !== keep);
      const tx = deps.redis.multi();
      if (keys.length > 0) tx.del(...keys).srem(indexOf(staffId), ...keys);
      if (!keep) tx.del(indexOf(staffId));
      await tx.exec();
    },
  };
}

function parseSession(raw: string): StaffSession | undefined {
  try {
    const v = JSON.parse(raw) as Partial<StaffSession>;
    if (typeof v.staffId === "string" && typeof v.csrf === "string" && typeof v.createdAt === "number") {
      return { staffId: v.staffId, csrf: v.csrf, createdAt: v.createdAt };
    }
  } catch {
    // fall through: a malformed record is no session
  }
  return undefined;
}
