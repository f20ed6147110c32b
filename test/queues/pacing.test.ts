import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPacer, type PaceSlot } from "../../queues/pacing.js";
import { useTestRedis } from "../support/isolation.js";

const { prefix, redis } = useTestRedis();

/** Simulated time shared by the pacers of one test: sleeping moves it on. */
function timeline(start: number) {
  return { now: start };
}

/** A pacer on simulated time; `at` takes a slot and says when it was taken. */
function pacerOn(time: { now: number }, key: string, options: { ratePerSecond: number; burst?: number }) {
  const pacer = createPacer({
    redis: redis(),
    prefix: `${prefix}:${key}`,
    ratePerSecond: options.ratePerSecond,
    ...(options.burst === undefined ? {} : { burst: options.burst }),
    clock: () => time.now,
    sleep: async (ms) => {
      time.now += ms;
    },
  });
  return {
    pacer,
    async at(units = 1): Promise<{ at: number; slot: PaceSlot }> {
      const slot = await pacer.acquire("telegram", units);
      return { at: time.now, slot };
    },
  };
}

describe("pacer", () => {
  it("spaces calls at the configured rate, across pacers sharing the key", async () => {
    const time = timeline(1_000_000);
    const a = pacerOn(time, "spacing", { ratePerSecond: 10 });
    const b = pacerOn(time, "spacing", { ratePerSecond: 10 });
    expect((await a.at()).at).toBe(1_000_000);
    expect((await a.at()).at).toBe(1_000_100);
    expect((await b.at()).at).toBe(1_000_200);
    expect((await a.at()).at).toBe(1_000_300);
  });

  it("gives the slot of a refused call back, so the next call goes at once", async () => {
    const time = timeline(2_000_000);
    const p = pacerOn(time, "release", { ratePerSecond: 10 });
    await p.at();
    const refused = await p.at();
    expect(refused.at).toBe(2_000_100);
    // That call was answered 429: nothing went out.
    expect(await p.pacer.release(refused.slot)).toBe(true);
    expect((await p.at()).at).toBe(2_000_100);
    expect((await p.at()).at).toBe(2_000_200);
  });

  it("returns a multi-unit cost (SMS segments) whole", async () => {
    const time = timeline(3_000_000);
    const p = pacerOn(time, "units", { ratePerSecond: 10 });
    const refused = await p.at(3);
    expect(await p.pacer.release(refused.slot)).toBe(true);
    expect((await p.at()).at).toBe(3_000_000);
    expect((await p.at()).at).toBe(3_000_100);
  });

  it("does not give a slot back once another call took the next one", async () => {
    const time = timeline(4_000_000);
    const a = pacerOn(time, "taken", { ratePerSecond: 10 });
    const b = pacerOn(time, "taken", { ratePerSecond: 10 });
    const refused = await a.at();
    await b.at();
    expect(await a.pacer.release(refused.slot)).toBe(false);
    expect((await a.at()).at).toBe(4_000_200);
  });

  it("never turns a release into credit for time already past", async () => {
    const time = timeline(5_000_000);
    const p = pacerOn(time, "past", { ratePerSecond: 10 });
    const refused = await p.at();
    time.now += 250;
    await p.pacer.release(refused.slot);
    expect((await p.at()).at).toBe(5_000_250);
    expect((await p.at()).at).toBe(5_000_350);
  });

  it("keeps the calls that went through within rate × window + burst, whatever is refused and when", async () => {
    const unitMs = 100;
    const burst = 3;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 250 }),
            units: fc.integer({ min: 1, max: 2 }),
            refused: fc.constantFrom("no", "no", "at once", "after the next call"),
            other: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (calls) => {
          run++;
          const time = timeline(6_000_000);
          const pacers = [0, 1].map(() =>
            pacerOn(time, `prop${run}`, { ratePerSecond: 1000 / unitMs, burst }),
          );
          const sent: Array<{ at: number; units: number }> = [];
          let late: PaceSlot | undefined;
          for (const call of calls) {
            time.now += call.gap;
            const taken = await (pacers[call.other ? 1 : 0] as (typeof pacers)[number]).at(call.units);
            if (late) await pacers[0]?.pacer.release(late);
            late = undefined;
            if (call.refused === "at once") await pacers[0]?.pacer.release(taken.slot);
            else if (call.refused === "after the next call") late = taken.slot;
            else sent.push({ at: taken.at, units: call.units });
          }
          // GCRA: a call of cost c at t needs the previous calls' cost to have drained to the burst by t.
          let tat = 0;
          for (const call of sent.sort((x, y) => x.at - y.at)) {
            expect(call.at).toBeGreaterThanOrEqual(tat - (burst - 1) * unitMs);
            tat = Math.max(tat, call.at - (burst - 1) * unitMs) + call.units * unitMs;
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("holds a recipient while paused and lets it go after", async () => {
    let now = 6_000_000;
    const slept: number[] = [];
    const pacer = createPacer({
      redis: redis(),
      prefix: `${prefix}:pause`,
      ratePerSecond: 10,
      clock: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    await pacer.pauseUntil("chat-a", now + 1000);
    await pacer.waitWhilePaused("chat-a");
    expect(slept).toEqual([1000]);
    await pacer.waitWhilePaused("chat-b");
    expect(slept).toEqual([1000]);
  });
});
