/**
 * Background applies with a concurrency cap. Under a burst (a crackdown: hundreds of defenders at once) an
 * unbounded number of applies would compete with the webhooks' acknowledgements on the same event loop and
 * push their latency up until providers time out and redeliver. Capped, the acknowledgements stay fast and
 * the applies proceed at the rate the process sustains. Nothing waits only in memory: every accepted message
 * is in its sender's Redis inbox and on the pending list, which the sweeper recovers after a crash.
 */
export interface DrainQueue {
  /** Asks for `sender`'s conversation to be applied; a sender already waiting is not queued twice. */
  schedule(sender: string): void;
  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void>;
  /** How many senders wait for a slot (metrics, tests). */
  readonly waiting: number;
}

export function createDrainQueue(options: {
  concurrency: number;
  run: (sender: string) => Promise<void>;
  onError: (err: unknown) => void;
}): DrainQueue {
  const { run, onError } = options;
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  // A Set keeps insertion order: senders are applied first come, first served.
  const waiting = new Set<string>();
  const active = new Set<string>();
  // Senders scheduled again while running: their drain may have passed its last inbox check already.
  const again = new Set<string>();
  let idleWaiters: Array<() => void> = [];

  function pump() {
    for (const sender of waiting) {
      if (active.size >= concurrency) break;
      waiting.delete(sender);
      active.add(sender);
      run(sender)
        .catch(onError)
        .finally(() => {
          active.delete(sender);
          if (again.delete(sender)) waiting.add(sender);
          pump();
        });
    }
    if (waiting.size === 0 && active.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  return {
    schedule(sender) {
      if (active.has(sender)) again.add(sender);
      else waiting.add(sender);
      pump();
    },
    idle() {
      if (waiting.size === 0 && active.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get waiting() {
      return waiting.size;
    },
  };
}
