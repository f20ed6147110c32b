import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPacer } from "../../queues/pacing.js";
import { useTestRedis } from "../support/isolation.js";

const { prefix, redis } = useTestRedis();

/** A pacer on a clock the test moves; `waits` records how long each acquire was told to wait. */
function pacerAt(options: { key: string; ratePerSecond: number; burst?: number; start: number }) {
  let now = options.start;
  const waits: number[] = [];
  const pacer = createPacer({
    redis: redis(),
    prefix: `${prefix}:${options.key}`,
    ratePerSecond: options.ratePerSecond,
    ...(options.burst === undefined ? {} : { burst: options.burst }),
    clock: () => now,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return {
    pacer,
    /** The wait of the next acquire (0 when it may go at once). */
    async next(units = 1): Promise<number> {
      const before = waits.length;
      await pacer.acquire("telegram", units);
      return waits.length > before ? (waits.at(-1) as number) : 0;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("pacer", () => {
  it("spaces calls at the configured rate, across pacers sharing the key", async () => {
    const a = pacerAt({ key: "spacing", ratePerSecond: 10, start: 1_000_000 });
    const b = pacerAt({ key: "spacing", ratePerSecond: 10, start: 1_000_000 });
    expect(await a.next()).toBe(0);
    expect(await a.next()).toBe(100);
    // Another process takes the next slot, so this one waits one more unit.
    expect(await b.next()).toBe(200);
    expect(await a.next()).toBe(300);
  });

  it("gives back the slot of a call the provider refused, so the next call takes it", async () => {
    const p = pacerAt({ key: "release", ratePerSecond: 10, start: 2_000_000 });
    expect(await p.next()).toBe(0);
    expect(await p.next()).toBe(100);
    expect(await p.next()).toBe(200);
    // The call with the slot at +200 was answered 429: nothing went out.
    await p.pacer.release("telegram");
    expect(await p.next()).toBe(200);
    expect(await p.next()).toBe(300);
  });

  it("returns a multi-unit cost (SMS segments) whole", async () => {
    const p = pacerAt({ key: "units", ratePerSecond: 10, start: 3_000_000 });
    expect(await p.next(3)).toBe(0);
    expect(await p.next(1)).toBe(300);
    await p.pacer.release("telegram", 3);
    expect(await p.next(1)).toBe(100);
  });

  it("never turns a release into credit for time already past", async () => {
    const p = pacerAt({ key: "past", ratePerSecond: 10, start: 4_000_000 });
    expect(await p.next()).toBe(0);
    expect(await p.next()).toBe(100);
    // The refusal is known only after its slot (and the next) went by.
    p.advance(250);
    await p.pacer.release("telegram");
    await p.pacer.release("telegram");
    expect(await p.next()).toBe(0);
    expect(await p.next()).toBe(100);
    expect(await p.next()).toBe(200);
  });

  it("keeps the calls that went through within rate × window + burst, plus one slot per refusal", async () => {
    const unitMs = 100;
    const burst = 3;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 250 }), refused: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (calls) => {
          run++;
          const p = pacerAt({ key: `prop${run}`, ratePerSecond: 1000 / unitMs, burst, start: 5_000_000 });
          let now = 5_000_000;
          const sent: number[] = [];
          let refusals = 0;
          for (const call of calls) {
            p.advance(call.gap);
            now += call.gap;
            const at = now + (await p.next());
            if (call.refused) {
              refusals++;
              await p.pacer.release("telegram");
            } else sent.push(at);
          }
          sent.sort((x, y) => x - y);
          for (let i = 0; i < sent.length; i++) {
            for (let j = i; j < sent.length; j++) {
              const window = (sent[j] as number) - (sent[i] as number);
              expect(j - i + 1).toBeLessThanOrEqual(Math.floor(window / unitMs) + burst + refusals);
            }
          }
        },
      ),
      { numRuns: 60 },
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
