import { describe, expect, it } from "vitest";
import {
  createFinishedJobs,
  FINISHED_JOBS_CAP,
  FINISHED_JOBS_TTL_SEC,
  finishedJobsKey,
  reasonCodeOf,
} from "../../queues/finished-jobs.js";
import { useTestRedis } from "../support/isolation.js";

/** What is left of a finished job (security row 24): a capped, expiring, content-free line. */
const r = useTestRedis();

describe("finished job lines", () => {
  it.each([
    ["INTAKE_SCHEMA_INVALID", "INTAKE_SCHEMA_INVALID"],
    ["SEND_PERMANENT_400", "SEND_PERMANENT_400"],
    ["job stalled more than allowable limit", "STALLED"],
    ['Cast to ObjectId failed for value "+4915799912345"', "UNEXPECTED"],
    ["", "UNEXPECTED"],
    [undefined, "UNEXPECTED"],
  ])("keeps %j as the reason code %s", (message, code) => {
    expect(reasonCodeOf(message)).toBe(code);
  });

  it("keeps at most the cap, newest first, with a TTL and the hour only", async () => {
    const at = Date.UTC(2026, 11, 4, 16, 47, 13, 512);
    const lines = createFinishedJobs({ redis: r.redis(), prefix: r.prefix, clock: () => at });
    for (let i = 0; i < FINISHED_JOBS_CAP + 5; i++) {
      await lines.record({ queue: "screening", state: "completed", id: `i-${i}`, attempts: 1 });
    }
    await lines.record({
      queue: "screening",
      state: "failed",
      id: "i-last",
      attempts: 2,
      reason: "a message quoting +4915799912345",
    });
    const all = await lines.list("screening");
    expect(all).toHaveLength(FINISHED_JOBS_CAP);
    expect(all[0]).toEqual({
      queue: "screening",
      state: "failed",
      id: "i-last",
      attempts: 2,
      reason: "UNEXPECTED",
      hour: Date.UTC(2026, 11, 4, 16),
    });
    expect(await lines.find("screening", "i-0")).toBeUndefined();
    const ttl = await r.redis().ttl(finishedJobsKey(r.prefix, "screening"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(FINISHED_JOBS_TTL_SEC);
  });
});
