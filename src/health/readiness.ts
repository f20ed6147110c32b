/** A named dependency check that resolves when the dependency answers. */
export type DependencyCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  /** Names of the dependencies that did not answer in time, e.g. ["redis"]. */
  down: string[];
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`, and names the ones that fail. */
export function createReadiness(
  checks: Readonly<Record<string, DependencyCheck>>,
  timeoutMs = 1500,
): Readiness {
  return {
    async check() {
      const names = Object.keys(checks);
      const results = await Promise.all(
        names.map(async (name) => {
          const check = checks[name];
          if (!check) return true;
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              check(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
              }),
            ]);
            return true;
          } catch {
            return false;
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const down = names.filter((_, i) => !results[i]);
      return { ready: down.length === 0, down };
    },
  };
}
