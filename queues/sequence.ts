/**
 * Per-recipient sequence ids ("ms-seq", the shape of Redis stream ids) and their order. The ingress uses
 * inbox entry ids (`<minute ms>-<n>`); reminders mint minute-based ids of the same shape; staff replies
 * carry the id the browser minted.
 */
export function compareSeq(a: string, b: string): number {
  const parse = (id: string): [bigint, bigint] => {
    const m = /^(\d+)-(\d+)$/.exec(id);
    return m ? [BigInt(m[1] as string), BigInt(m[2] as string)] : [0n, 0n];
  };
  const [am, as] = parse(a);
  const [bm, bs] = parse(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

const MINUTE_MS = 60_000;

/** A time at rest in Redis, floored to the minute (security row 31: no millisecond times at rest). */
export function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** A time at rest in Redis that must not come early (a reminder), rounded up to the minute. */
export function ceilToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * A sequence id for a message that starts on our side (a reminder), ordered by time at minute
 * granularity, after every inbox entry of the same minute.
 */
export function timeSeq(now: number, tiebreak = 999_999): string {
  return `${floorToMinute(now)}-${tiebreak}`;
}
