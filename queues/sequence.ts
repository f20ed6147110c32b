/**
 * Per-recipient sequence ids ("ms-seq", the shape of Redis stream ids) and their order. The ingress uses
 * inbox entry ids; reminders and staff replies mint time-based ids of the same shape.
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

/** A sequence id for a message that starts on our side (staff reply, reminder), ordered by time. */
export function timeSeq(now: number, tiebreak = 999_999): string {
  return `${now}-${tiebreak}`;
}
