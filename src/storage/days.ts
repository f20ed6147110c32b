/**
 * Dates at day resolution. Requests keep only the UTC day ("YYYY-MM-DD") of each event: the hour a defender
 * wrote to us is itself sensitive, and triage needs no more than the day.
 */
export type Day = string;

/** Pattern of a day string. */
export const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of `date`. */
export function dayOf(date: Date): Day {
  return date.toISOString().slice(0, 10);
}

/** Midnight UTC at the start of `day`, plus `days` whole days. */
export function startOfDay(day: Day, days = 0): Date {
  const base = Date.parse(`${day}T00:00:00.000Z`);
  return new Date(base + days * 86_400_000);
}

/** The day `days` days before (negative) or after `day`. */
export function addDays(day: Day, days: number): Day {
  return dayOf(startOfDay(day, days));
}
