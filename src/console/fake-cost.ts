import { type Argon2Params, STAFF_ARGON2ID } from "../crypto/index.js";
import type { StaffStore } from "../storage/staff.js";

/**
 * The Argon2id cost `/api/salt` gives names that have no account: the cost most enabled accounts use (ties go
 * to the dearer one), MODERATE before any exists. Unknown names then look like most real ones; an account
 * whose cost differs from the rest can still be told apart, so keep one cost per deployment (members added in
 * the console inherit the adding admin's). Cached for a minute: it costs one scan of the small staff list.
 */
export function createFakeCost(staff: StaffStore, now: () => number): () => Promise<Argon2Params> {
  let cached: { at: number; cost: Argon2Params } | undefined;
  return async () => {
    if (cached && now() - cached.at < 60_000 && now() >= cached.at) return cached.cost;
    const counts = new Map<string, { cost: Argon2Params; n: number }>();
    for (const a of await staff.list()) {
      if (a.disabled) continue;
      const k = `${a.kdfOps}:${a.kdfMem}`;
      const seen = counts.get(k) ?? { cost: { opsLimit: a.kdfOps, memLimit: a.kdfMem }, n: 0 };
      seen.n++;
      counts.set(k, seen);
    }
    const ranked = [...counts.values()].sort(
      (x, y) => y.n - x.n || y.cost.memLimit - x.cost.memLimit || y.cost.opsLimit - x.cost.opsLimit,
    );
    const cost = ranked[0]?.cost ?? STAFF_ARGON2ID;
    cached = { at: now(), cost };
    return cost;
  };
}
