/**
 * The vocabulary of screening: urgency levels, route flags and reason codes. Stored on each protection request
 * and shown to staff, so every value is a stable code, never text from the defender.
 */

/** UNHCR-style priority levels, most urgent first. */
export const urgencyLevels = ["emergency", "urgent", "normal"] as const;
export type Urgency = (typeof urgencyLevels)[number];

/** Sort rank of each level (emergency first); stored as `urgencyRank` so queues sort without aggregation. */
export const urgencyRank: Readonly<Record<Urgency, number>> = { emergency: 0, urgent: 1, normal: 2 };

/** Kinds of help a request may be eligible for. */
export const routeFlags = [
  "emergency_grant",
  "temporary_relocation",
  "resettlement_referral",
  "digital_security",
] as const;
export type RouteFlag = (typeof routeFlags)[number];

/** Why a rule fired. Each code names one rule in `rules.ts`. */
export const reasonCodes = [
  // raise to emergency
  "danger_now",
  "recent_death_threat",
  "recent_physical_attack",
  "detention_imminent",
  // raise to urgent
  "death_threat",
  "physical_attack",
  "detention_risk",
  "family_detained",
  "family_at_risk",
  "recently_displaced",
  // informative only
  "past_violence",
  "digital_threat",
  "in_exile",
  "exile_grant_limits",
  "contact_unsafe",
  "hr_work_unverified",
  "resettlement_needs_exit",
  // not eligible
  "no_hr_work",
  "no_risk_stated",
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

/** The reasons that make a request not eligible (at most one is reported, the first that applies). */
export const notEligibleReasons = ["no_hr_work", "no_risk_stated"] as const satisfies readonly ReasonCode[];
export type NotEligibleReason = (typeof notEligibleReasons)[number];

/** What screening decides about one intake. */
export interface ScreeningResult {
  readonly urgency: Urgency;
  readonly reasons: readonly ReasonCode[];
  readonly routes: readonly RouteFlag[];
  readonly notEligible?: NotEligibleReason;
}
