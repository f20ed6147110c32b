/**
 * Caps how many Argon2id verifications of authentication keys run at once in this process, with a short
 * queue behind them. Each verify holds a libuv worker thread and ~19 MiB for tens of milliseconds; without a
 * cap a sign-in flood would take every thread and starve the webhooks that share the process.
 */
export interface VerifyGate {
  /** Runs `work` when a slot is free; undefined at once (no work done) when the queue is full. */
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

export function createVerifyGate(opts: { concurrent: number; queued: number }): VerifyGate {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(work) {
      if (running >= opts.concurrent) {
        if (waiting.length >= opts.queued) return undefined;
        // The slot is handed over by `release` without decrementing `running`.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running++;
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
