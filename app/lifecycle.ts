import type { Log } from "../src/log/index.js";

/** Something a role started and must stop on shutdown, in reverse order of starting. */
export interface Closable {
  name: string;
  close(): Promise<void>;
}

/**
 * Collects what a role starts and closes it all on SIGTERM/SIGINT (or when asked), each step bounded so a
 * hung dependency cannot keep the process alive forever.
 */
export class Lifecycle {
  private readonly items: Closable[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly log: Log,
    private readonly stepTimeoutMs = 10_000,
  ) {}

  add(item: Closable): void {
    this.items.push(item);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const item of [...this.items].reverse()) {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            item.close(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error("timeout")), this.stepTimeoutMs);
            }),
          ]);
          this.log.info("shutdown.closed", { component: item.name });
        } catch (err) {
          this.log.error("shutdown.close_failed", { component: item.name, err: err as Error });
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return this.closing;
  }

  /** Closes everything on the first SIGTERM or SIGINT, then exits; a second signal exits at once. */
  closeOnSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) return exit(1);
      received = true;
      this.log.info("shutdown.signal", { signal });
      void this.close().then(() => exit(0));
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
}
