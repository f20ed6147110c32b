import type { Urgency } from "../screening/types.js";

/** Hours within which a request of each level must be picked up (emergency 1 h, urgent 24 h, normal 72 h). */
export type SlaHours = Readonly<Record<Urgency, number>>;

export const defaultSlaHours: SlaHours = { emergency: 1, urgent: 24, normal: 72 };

/** The SLA state of one request. */
export interface SlaClock {
  /** When the SLA ends (ms since the epoch). */
  readonly dueAt: number;
  /** Milliseconds left; negative once breached. */
  readonly remainingMs: number;
  readonly breached: boolean;
}

/**
 * Requests keep only the UTC day they arrived (the hour is itself sensitive), so the clock starts at the
 * start of that day: the worst case. An SLA can therefore show as breached early, never late.
 */
export function slaClock(createdDay: string, urgency: Urgency, hours: SlaHours, now: number): SlaClock {
  const start = Date.parse(`${createdDay}T00:00:00.000Z`);
  const dueAt = start + hours[urgency] * 3_600_000;
  const remainingMs = dueAt - now;
  return { dueAt, remainingMs, breached: remainingMs < 0 };
}
