/**
 * Bench building blocks shared by every section: timing loops, medians and spread, A/B alternation.
 * Numbers here are for `npm run bench` only; tests never assert on time.
 */

/** One measured figure, as printed in the table and written to bench/results.json. */
export interface BenchResult {
  readonly section: string;
  readonly name: string;
  /** `ops/s` (higher is better), `ms` (lower is better), `ratio` (B relative to A), `bytes` or `count`. */
  readonly unit: "ops/s" | "ms" | "ratio" | "bytes" | "count";
  /** The median over rounds. */
  readonly value: number;
  /** Relative spread of the rounds: (max - min) / median. */
  readonly spread: number;
  readonly samples: readonly number[];
  readonly note?: string;
}

/** What a section gets from the runner. */
export interface SectionContext {
  /** Reports progress of the current step (shown as one updating line). */
  progress(step: string, done: number, total: number): void;
  /** Rounds per measurement (more rounds, steadier medians). */
  readonly rounds: number;
  /** Minimum time per round in ms. */
  readonly minTimeMs: number;
}

/** A bench section: a name and a function returning its results. Add new sections to bench/run.ts. */
export interface Section {
  readonly name: string;
  run(ctx: SectionContext): Promise<BenchResult[]>;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? Number.NaN) + hi) / 2;
}

/** (max - min) / median: how far apart the rounds were; above ~0.1 the figure is noisy. */
export function spread(values: readonly number[]): number {
  const m = median(values);
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m;
}

/** Runs `fn` repeatedly for at least `minTimeMs` and returns operations per second. */
export function opsPerSecond(fn: () => unknown, minTimeMs: number): number {
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minTimeMs) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    batch = Math.min(batch * 2, 4096);
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/** Measures `fn` in ops/s over `ctx.rounds` rounds; returns the median and spread. */
export function measureOps(
  ctx: SectionContext,
  section: string,
  name: string,
  fn: () => unknown,
  note?: string,
): BenchResult {
  fn(); // warm up
  const samples: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    ctx.progress(name, r, ctx.rounds);
    samples.push(opsPerSecond(fn, ctx.minTimeMs));
  }
  return result(section, name, "ops/s", samples, note);
}

/** Times a slow operation (ms per call) over `runs` calls; returns the median and spread. */
export function measureMs(
  ctx: SectionContext,
  section: string,
  name: string,
  fn: () => unknown,
  runs: number,
  note?: string,
): BenchResult {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    ctx.progress(name, r, runs);
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return result(section, name, "ms", samples, note);
}

/**
 * A/B comparison with alternating rounds (A, B, A, B, ...) so drift (thermal, other load) hits both alike.
 * Returns the median of per-round B/A throughput ratios with its spread, plus each side's median ops/s.
 */
export function compareAB(
  ctx: SectionContext,
  section: string,
  name: string,
  a: () => unknown,
  b: () => unknown,
): { ratio: BenchResult; a: BenchResult; b: BenchResult } {
  a();
  b();
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    ctx.progress(name, r, ctx.rounds);
    const x = opsPerSecond(a, ctx.minTimeMs);
    const y = opsPerSecond(b, ctx.minTimeMs);
    as.push(x);
    bs.push(y);
    ratios.push(y / x);
  }
  return {
    ratio: result(section, `${name} (B/A)`, "ratio", ratios),
    a: result(section, `${name} A`, "ops/s", as),
    b: result(section, `${name} B`, "ops/s", bs),
  };
}

function result(
  section: string,
  name: string,
  unit: BenchResult["unit"],
  samples: number[],
  note?: string,
): BenchResult {
  return {
    section,
    name,
    unit,
    value: median(samples),
    spread: spread(samples),
    samples,
    ...(note ? { note } : {}),
  };
}

/**
 * Async A/B comparison: `a` and `b` each run one round and return its throughput (ops/s). Rounds alternate
 * (A, B, A, B, ...) at least five times; the ratio is the median of per-round B/A ratios.
 */
export async function compareRounds(
  ctx: SectionContext,
  section: string,
  name: string,
  a: () => Promise<number>,
  b: () => Promise<number>,
  labels: { a: string; b: string } = { a: "A", b: "B" },
): Promise<{ ratio: BenchResult; a: BenchResult; b: BenchResult }> {
  const rounds = Math.max(5, ctx.rounds);
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ctx.progress(name, r, rounds);
    const x = await a();
    const y = await b();
    as.push(x);
    bs.push(y);
    ratios.push(y / x);
  }
  return {
    ratio: result(section, `${name} (${labels.b}/${labels.a})`, "ratio", ratios),
    a: result(section, `${name}: ${labels.a}`, "ops/s", as),
    b: result(section, `${name}: ${labels.b}`, "ops/s", bs),
  };
}

/** A figure measured over several samples (bytes, counts, latencies), with its median and spread. */
export function figure(
  section: string,
  name: string,
  unit: BenchResult["unit"],
  samples: number[],
  note?: string,
): BenchResult {
  return result(section, name, unit, samples, note);
}

/** Runs `fn` on `items` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
