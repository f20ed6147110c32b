import {
  type NotEligibleReason,
  type ReasonCode,
  type RouteFlag,
  reasonCodes,
  routeFlags,
  type ScreeningResult,
  type Urgency,
} from "./types.js";

/**
 * What screening reads: the answers of an opened, validated intake (docs/intake-record.md ids). An
 * `IntakeRecord` is one. Values are read defensively, so a missing or odd answer counts as "not said".
 */
export interface ScreeningInput {
  readonly answers: Readonly<Record<string, unknown>>;
}

/**
 * Threats within this many days can make a case an emergency (UNHCR: "must be moved from life-threatening
 * conditions within days"). Older ones up to `urgentWindowDays` make it urgent; older still, informative.
 */
export const emergencyWindowDays = 7;
export const urgentWindowDays = 90;
/** Displacement this recent makes a case urgent. */
export const displacementWindowDays = 30;

/** Reasons that make a case an emergency, and those that make it urgent. */
const emergencyReasons: readonly ReasonCode[] = [
  "danger_now",
  "recent_death_threat",
  "recent_physical_attack",
  "detention_imminent",
];
const urgentReasons: readonly ReasonCode[] = [
  "death_threat",
  "physical_attack",
  "detention_risk",
  "family_detained",
  "family_at_risk",
  "recently_displaced",
];

/** Kinds of support that the emergency grant programmes fund (ProtectDefenders.eu, Front Line Defenders). */
const grantSupport = [
  "relocation_temporary",
  "legal",
  "medical",
  "psychosocial",
  "digital_security",
  "financial",
];

/**
 * Scores urgency and flags routes with explainable rules; each reason code names the rule that fired. Pure.
 *
 * Urgency (UNHCR levels, kept scarce so they stay meaningful):
 * - emergency: danger now; a death threat or a physical attack within 7 days; detention imminent (charged or
 *   at risk of detention, with a detention threat within 7 days).
 * - urgent: a death threat or physical attack within 90 days (or undated); charged or at risk of detention;
 *   a relative detained now; family threatened and at risk; displaced by threats within 30 days.
 * - normal: everything else (surveillance, smear campaigns, legal harassment, older violence...).
 *
 * Routes: emergency_grant (human-rights work, at risk, and urgent or asking for support a grant covers);
 * temporary_relocation (emergency, or asked for); resettlement_referral (outside the country of nationality
 * and a track record of human-rights work); digital_security (digital attack, surveillance or asked for).
 * Not eligible: no human-rights work given (no_hr_work) or no risk stated (no_risk_stated); then no routes.
 * In exile: emergency grants are still flagged, with exile_grant_limits (Front Line Defenders grants exclude
 * costs of defenders already in exile; other funders may not).
 */
export function screen(input: ScreeningInput): ScreeningResult {
  const a = read(input.answers);
  const fired = new Set<ReasonCode>();
  const days = a.threatDaysAgo;
  const within = (n: number) => days !== undefined && days <= n;
  const has = (t: string) => a.threats.includes(t);
  const detentionPending = a.detention === "charged" || a.detention === "at_risk";

  // emergency
  if (a.dangerNow) fired.add("danger_now");
  if (has("death_threat") && within(emergencyWindowDays)) fired.add("recent_death_threat");
  if (has("physical_attack") && within(emergencyWindowDays)) fired.add("recent_physical_attack");
  if (detentionPending && has("detention") && within(emergencyWindowDays)) fired.add("detention_imminent");

  // urgent
  const notOld = days === undefined || days <= urgentWindowDays;
  if (has("death_threat") && !within(emergencyWindowDays) && notOld) fired.add("death_threat");
  if (has("physical_attack") && !within(emergencyWindowDays) && notOld) fired.add("physical_attack");
  if (detentionPending && !fired.has("detention_imminent")) fired.add("detention_risk");
  if (a.detention === "detained_now_family") fired.add("family_detained");
  if (a.familyAtRisk && has("family_threat")) fired.add("family_at_risk");
  if (
    (a.displacement === "moved_in_country" || a.displacement === "left_country") &&
    within(displacementWindowDays)
  ) {
    fired.add("recently_displaced");
  }

  // informative
  if ((has("death_threat") || has("physical_attack")) && !notOld) fired.add("past_violence");
  if (has("digital_attack") || has("surveillance")) fired.add("digital_threat");
  const outside =
    a.displacement === "left_country" ||
    (a.country !== undefined && a.nationality !== undefined && a.country !== a.nationality);
  if (outside) fired.add("in_exile");
  if (a.contactSafe === false) fired.add("contact_unsafe");
  if (!a.workAsked) fired.add("hr_work_unverified");
  if (a.support.includes("relocation_abroad") && !outside) fired.add("resettlement_needs_exit");

  const urgency: Urgency = emergencyReasons.some((r) => fired.has(r))
    ? "emergency"
    : urgentReasons.some((r) => fired.has(r))
      ? "urgent"
      : "normal";

  // eligibility
  const hrWork = a.workCategories.length > 0 || a.workDescription.length > 0;
  const trackRecord = a.workCategories.length > 0 && a.workDescription.length > 0;
  const atRisk =
    a.dangerNow || a.threats.length > 0 || detentionPending || a.detention === "detained_now_family";
  let notEligible: NotEligibleReason | undefined;
  if (a.workAsked && !hrWork) notEligible = "no_hr_work";
  else if (a.threatsAsked && !atRisk) notEligible = "no_risk_stated";

  const routes = new Set<RouteFlag>();
  if (notEligible === undefined) {
    if (atRisk && (urgency !== "normal" || a.support.some((s) => grantSupport.includes(s)))) {
      routes.add("emergency_grant");
      if (outside) fired.add("exile_grant_limits");
    }
    if (urgency === "emergency" || a.support.includes("relocation_temporary"))
      routes.add("temporary_relocation");
    if (outside && trackRecord) routes.add("resettlement_referral");
    if (fired.has("digital_threat") || a.support.includes("digital_security")) routes.add("digital_security");
  } else {
    fired.add(notEligible);
  }

  const result = {
    urgency,
    reasons: reasonCodes.filter((r) => fired.has(r)),
    routes: routeFlags.filter((r) => routes.has(r)),
  };
  return notEligible === undefined ? result : { ...result, notEligible };
}

interface Read {
  dangerNow: boolean;
  country: string | undefined;
  nationality: string | undefined;
  workAsked: boolean;
  workCategories: string[];
  workDescription: string;
  threatsAsked: boolean;
  threats: string[];
  threatDaysAgo: number | undefined;
  detention: string | undefined;
  displacement: string | undefined;
  familyAtRisk: boolean;
  support: string[];
  contactSafe: boolean | undefined;
}

function read(answers: Readonly<Record<string, unknown>>): Read {
  const str = (k: string) => (typeof answers[k] === "string" ? (answers[k] as string) : undefined);
  const list = (k: string) => {
    const v = answers[k];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  };
  const since = answers.threat_since;
  const daysAgo =
    typeof since === "object" && since !== null && "approxDaysAgo" in since
      ? (since as { approxDaysAgo: unknown }).approxDaysAgo
      : undefined;
  return {
    dangerNow: answers.danger_now === true,
    country: str("location_country"),
    nationality: str("nationality"),
    workAsked: answers.work_categories !== undefined || answers.work_description !== undefined,
    workCategories: list("work_categories"),
    workDescription: (str("work_description") ?? "").trim(),
    threatsAsked: answers.threat_types !== undefined,
    threats: list("threat_types"),
    threatDaysAgo:
      typeof daysAgo === "number" && Number.isFinite(daysAgo) && daysAgo >= 0 ? daysAgo : undefined,
    detention: str("detention_status"),
    displacement: str("displacement"),
    familyAtRisk: answers.family_at_risk === true,
    support: list("support_needed"),
    contactSafe: typeof answers.contact_safe === "boolean" ? answers.contact_safe : undefined,
  };
}
