import { describe, expect, it } from "vitest";
import { createDrainQueue } from "../../../bots/ingress/drain-queue.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("drain queue", () => {
  it("never runs more than its cap at once, and runs every scheduled sender, first come first served", async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const queue = createDrainQueue({
      concurrency: 3,
      onError: (err) => {
        throw err;
      },
      run: async (sender) => {
        running++;
        peak = Math.max(peak, running);
        order.push(sender);
        await tick();
        running--;
      },
    });
    const senders = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const s of senders) queue.schedule(s);
    expect(queue.waiting).toBe(37);
    await queue.idle();
    expect(peak).toBe(3);
    expect(order).toEqual(senders);
    expect(queue.waiting).toBe(0);
  });

  it("queues a sender once however often it is scheduled while waiting", async () => {
    const runs: string[] = [];
    const queue = createDrainQueue({
      concurrency: 1,
      onError: () => {},
      run: async (sender) => {
        runs.push(sender);
        await tick();
      },
    });
    queue.schedule("a");
    for (let i = 0; i < 5; i++) queue.schedule("b");
    await queue.idle();
    expect(runs).toEqual(["a", "b"]);
  });

  it("runs a sender again when it was scheduled while its drain was running (it may have looked already)", async () => {
    const runs: string[] = [];
    let release: () => void = () => {};
    const queue = createDrainQueue({
      concurrency: 4,
      onError: () => {},
      run: async (sender) => {
        runs.push(sender);
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    queue.schedule("a");
    queue.schedule("a");
    release();
    await queue.idle();
    expect(runs).toEqual(["a", "a"]);
  });

  it("reports a failed drain and goes on with the others", async () => {
    const errors: unknown[] = [];
    const done: string[] = [];
    const queue = createDrainQueue({
      concurrency: 1,
      onError: (err) => errors.push(err),
      run: async (sender) => {
        if (sender === "bad") throw new Error("boom");
        done.push(sender);
      },
    });
    for (const s of ["x", "bad", "y"]) queue.schedule(s);
    await queue.idle();
    expect(errors).toHaveLength(1);
    expect(done).toEqual(["x", "y"]);
  });

  it("is idle at once when nothing was scheduled", async () => {
    const queue = createDrainQueue({ concurrency: 2, onError: () => {}, run: async () => {} });
    await expect(queue.idle()).resolves.toBeUndefined();
  });
});
