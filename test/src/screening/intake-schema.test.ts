import { describe, expect, it } from "vitest";
import { newIntakeId, referenceFor } from "../../../src/intake/reference.js";
import { intakeProblems, parseIntake } from "../../../src/screening/intake-schema.js";

function intake(answers: Record<string, unknown>, over: Record<string, unknown> = {}) {
  const intakeId = newIntakeId();
  return {
    v: 1,
    intakeId,
    reference: referenceFor(intakeId),
    flowVersion: "default@1",
    consentVersion: "consent@1",
    lang: "en",
    channel: "telegram",
    sender: "c2VuZGVyLWhhc2gtb2YtdGhlLWRlZmVuZGVy",
    replyAddress: "123456789",
    startedDay: "2026-11-27",
    completedDay: "2026-11-28",
    answers,
    ...over,
  };
}

const shortPath = {
  consent: true,
  danger_now: true,
  name: "A",
  location_country: "CD",
  contact_safe: true,
  contact_details: "x",
};

const fullPath = {
  language: "fr",
  consent: true,
  danger_now: false,
  name: "A",
  location_country: "CD",
  location_detail: "",
  nationality: "CD",
  work_categories: ["journalism", "legal"],
  work_description: "x",
  threat_types: ["surveillance"],
  threat_description: "x",
  threat_since: { approxDaysAgo: 12 },
  detention_status: "none",
  displacement: "at_home",
  family_at_risk: true,
  family_count: 2,
  support_needed: ["digital_security"],
  contact_safe: true,
  contact_methods: ["signal"],
  contact_details: "x",
};

describe("parseIntake", () => {
  it("accepts the danger-now short path and the full path", () => {
    expect(parseIntake(intake(shortPath))?.answers).toEqual(shortPath);
    expect(parseIntake(intake(fullPath))?.answers).toEqual(fullPath);
  });

  it("keeps an answer outside the table if it has an answer's shape", () => {
    const parsed = parseIntake(intake({ ...shortPath, extra_step: ["a"] }));
    expect(parsed?.answers.extra_step).toEqual(["a"]);
    expect(parseIntake(intake({ ...shortPath, extra_step: { nested: { deep: 1 } } }))).toBeUndefined();
  });

  const invalid: [string, unknown][] = [
    ["not an object", "hello"],
    ["wrong version", intake(shortPath, { v: 2 })],
    ["consent false", intake({ ...shortPath, consent: false })],
    ["unknown option id", intake({ ...fullPath, threat_types: ["aliens"] })],
    ["lowercase country", intake({ ...shortPath, location_country: "cd" })],
    ["danger_now missing", intake({ ...shortPath, danger_now: undefined })],
    ["full path missing a step", intake({ ...fullPath, threat_types: undefined })],
    ["family_count without family_at_risk", intake({ ...fullPath, family_at_risk: false })],
    ["negative days", intake({ ...fullPath, threat_since: { approxDaysAgo: -1 } })],
    ["bad channel", intake(shortPath, { channel: "email" })],
    ["bad day", intake(shortPath, { completedDay: "28/11/2026" })],
    ["completed before started", intake(shortPath, { startedDay: "2026-11-29" })],
    ["missing reference", intake(shortPath, { reference: undefined })],
  ];
  it.each(invalid)("rejects: %s", (_name, value) => {
    expect(parseIntake(JSON.parse(JSON.stringify(value)))).toBeUndefined();
  });

  it("reports problem paths without values", () => {
    const problems = intakeProblems(intake({ ...shortPath, name: 42, location_country: "Canaryland" }));
    expect(problems).toEqual(expect.arrayContaining(["answers.name", "answers.location_country"]));
    expect(problems.join(" ")).not.toContain("Canaryland");
  });
});
