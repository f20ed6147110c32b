import { z } from "zod";
import type { Answers } from "../intake/flow.js";
import type { IntakeRecord } from "../intake/intake-record.js";

/**
 * The sealed intake record as docs/intake-record.md defines it, checked by the screening worker right after
 * opening it: an intake that fails is rejected (a poison job), never half-stored. Option ids and countries
 * are checked against the contract; answers outside the table are kept if they have an answer's shape, so a
 * step added later is not lost on the way to staff. Messages of failures name paths, never values.
 */

const country = z.string().regex(/^[A-Z]{2}$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const text = (max: number) => z.string().max(max);

export const workCategoryIds = [
  "journalism",
  "legal",
  "land_environment",
  "lgbtqi",
  "women_rights",
  "labour",
  "minority_indigenous",
  "political_civic",
  "health",
  "other",
] as const;
export const threatTypeIds = [
  "physical_attack",
  "death_threat",
  "surveillance",
  "digital_attack",
  "legal_harassment",
  "detention",
  "smear_campaign",
  "family_threat",
  "forced_eviction",
  "other",
] as const;
export const detentionStatusIds = [
  "detained_now_family",
  "detained_before",
  "charged",
  "at_risk",
  "none",
] as const;
export const displacementIds = ["at_home", "moved_in_country", "left_country"] as const;
export const supportNeededIds = [
  "relocation_temporary",
  "relocation_abroad",
  "legal",
  "medical",
  "psychosocial",
  "digital_security",
  "financial",
  "advocacy",
  "other",
] as const;
export const contactMethodIds = [
  "this_channel",
  "signal",
  "whatsapp",
  "email",
  "phone_call",
  "other",
] as const;

const multi = <T extends readonly [string, ...string[]]>(ids: T) => z.array(z.enum(ids)).max(ids.length);

/** Any answer's shape (flow.ts `AnswerValue`), for steps outside the table. */
const anyAnswer = z.union([
  z.string().max(4000),
  z.number().finite(),
  z.boolean(),
  z.array(z.string().max(100)).max(50),
  z.object({ approxDaysAgo: z.number().finite().min(0) }).strict(),
]);

/** The default flow's answers. Steps not asked are absent. */
export const answersSchema = z
  .object({
    language: z.enum(["en", "fr", "es", "ar", "ru"]).optional(),
    consent: z.literal(true),
    danger_now: z.boolean(),
    name: text(400),
    location_country: country,
    location_detail: text(800).optional(),
    nationality: country.optional(),
    work_categories: multi(workCategoryIds).optional(),
    work_description: text(2400).optional(),
    threat_types: multi(threatTypeIds).optional(),
    threat_description: text(4000).optional(),
    threat_since: z
      .object({
        approxDaysAgo: z
          .number()
          .int()
          .min(0)
          .max(366 * 100),
      })
      .strict()
      .optional(),
    detention_status: z.enum(detentionStatusIds).optional(),
    displacement: z.enum(displacementIds).optional(),
    family_at_risk: z.boolean().optional(),
    family_count: z.number().int().min(0).max(500).optional(),
    support_needed: multi(supportNeededIds).optional(),
    contact_safe: z.boolean(),
    contact_methods: multi(contactMethodIds).optional(),
    contact_details: text(1200),
  })
  .catchall(anyAnswer);

/** Steps the default flow always asks when the defender is not in danger now (location_detail is optional). */
const fullFlowSteps = [
  "nationality",
  "work_categories",
  "work_description",
  "threat_types",
  "threat_description",
  "threat_since",
  "detention_status",
  "displacement",
  "family_at_risk",
  "support_needed",
  "contact_methods",
] as const;

/** The sealed intake record (v1). */
export const intakeSchema = z
  .object({
    v: z.literal(1),
    intakeId: z.string().regex(/^[0-9A-Za-z]{20,32}$/),
    reference: z.string().regex(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/),
    flowVersion: z.string().regex(/^[a-z0-9_-]{1,40}@\d{1,6}$/),
    consentVersion: z.string().regex(/^[a-z0-9_-]{1,40}@\d{1,6}$/),
    lang: z.enum(["en", "fr", "es", "ar", "ru"]),
    channel: z.enum(["telegram", "sms"]),
    sender: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/),
    replyAddress: z.string().min(1).max(64),
    startedDay: day,
    completedDay: day,
    answers: answersSchema,
  })
  .superRefine((intake, ctx) => {
    if (intake.flowVersion !== "default@1") return;
    const a = intake.answers;
    if (a.danger_now === false) {
      for (const step of fullFlowSteps) {
        if (a[step] === undefined)
          ctx.addIssue({ code: "custom", path: ["answers", step], message: "missing" });
      }
    }
    if (a.family_count !== undefined && a.family_at_risk !== true) {
      ctx.addIssue({
        code: "custom",
        path: ["answers", "family_count"],
        message: "only with family_at_risk",
      });
    }
    if (intake.completedDay < intake.startedDay) {
      ctx.addIssue({ code: "custom", path: ["completedDay"], message: "before startedDay" });
    }
  });

export type ParsedIntake = z.output<typeof intakeSchema>;

/** Paths that failed validation, for a content-free log line. */
export function intakeProblems(value: unknown): string[] {
  const result = intakeSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
}

/** Validates an opened intake; undefined when it does not match the contract (reject it). */
export function parseIntake(value: unknown): IntakeRecord | undefined {
  const result = intakeSchema.safeParse(value);
  if (!result.success) return undefined;
  const answers: Answers = {};
  for (const [key, answer] of Object.entries(result.data.answers)) {
    if (answer !== undefined) answers[key] = Array.isArray(answer) ? [...answer] : answer;
  }
  return { ...result.data, answers };
}
