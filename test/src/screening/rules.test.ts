import { describe, expect, it } from "vitest";
import { screen } from "../../../src/screening/screen.js";
import { type ReasonCode, type RouteFlag, reasonCodes, type Urgency } from "../../../src/screening/types.js";

/** A complete not-in-danger intake with nothing alarming: a journalist facing a smear campaign. */
const base: Record<string, unknown> = {
  language: "en",
  consent: true,
  danger_now: false,
  name: "A",
  location_country: "CD",
  location_detail: "",
  nationality: "CD",
  work_categories: ["journalism"],
  work_description: "Reports on mining concessions",
  threat_types: ["smear_campaign"],
  threat_description: "x",
  threat_since: { approxDaysAgo: 200 },
  detention_status: "none",
  displacement: "at_home",
  family_at_risk: false,
  support_needed: ["advocacy"],
  contact_safe: true,
  contact_methods: ["signal"],
  contact_details: "x",
};

interface Case {
  name: string;
  answers: Record<string, unknown>;
  urgency: Urgency;
  reasons: ReasonCode[];
  routes: RouteFlag[];
  notEligible?: ReasonCode;
}

const since = (approxDaysAgo: number) => ({ approxDaysAgo });
const with_ = (over: Record<string, unknown>) => ({ ...base, ...over });

const table: Case[] = [
  { name: "smear campaign, advocacy", answers: base, urgency: "normal", reasons: [], routes: [] },
  {
    name: "legal harassment, asks legal support",
    answers: with_({ threat_types: ["legal_harassment"], support_needed: ["legal"] }),
    urgency: "normal",
    reasons: [],
    routes: ["emergency_grant"],
  },
  {
    name: "surveillance, asks digital security",
    answers: with_({ threat_types: ["surveillance"], support_needed: ["digital_security"] }),
    urgency: "normal",
    reasons: ["digital_threat"],
    routes: ["emergency_grant", "digital_security"],
  },
  {
    name: "digital attack, asks advocacy only",
    answers: with_({ threat_types: ["digital_attack"] }),
    urgency: "normal",
    reasons: ["digital_threat"],
    routes: ["digital_security"],
  },
  {
    name: "death threat 3 days ago",
    answers: with_({ threat_types: ["death_threat"], threat_since: since(3) }),
    urgency: "emergency",
    reasons: ["recent_death_threat"],
    routes: ["emergency_grant", "temporary_relocation"],
  },
  {
    name: "death threat a month ago",
    answers: with_({ threat_types: ["death_threat"], threat_since: since(30) }),
    urgency: "urgent",
    reasons: ["death_threat"],
    routes: ["emergency_grant"],
  },
  {
    name: "death threat over a year ago",
    answers: with_({ threat_types: ["death_threat"], threat_since: since(400) }),
    urgency: "normal",
    reasons: ["past_violence"],
    routes: [],
  },
  {
    name: "physical attack 5 days ago",
    answers: with_({ threat_types: ["physical_attack", "smear_campaign"], threat_since: since(5) }),
    urgency: "emergency",
    reasons: ["recent_physical_attack"],
    routes: ["emergency_grant", "temporary_relocation"],
  },
  {
    name: "physical attack two months ago, asks medical",
    answers: with_({
      threat_types: ["physical_attack"],
      threat_since: since(60),
      support_needed: ["medical"],
    }),
    urgency: "urgent",
    reasons: ["physical_attack"],
    routes: ["emergency_grant"],
  },
  {
    name: "at risk of detention with a detention threat 2 days ago",
    answers: with_({ threat_types: ["detention"], threat_since: since(2), detention_status: "at_risk" }),
    urgency: "emergency",
    reasons: ["detention_imminent"],
    routes: ["emergency_grant", "temporary_relocation"],
  },
  {
    name: "charged, legal harassment for months",
    answers: with_({
      threat_types: ["legal_harassment"],
      threat_since: since(100),
      detention_status: "charged",
    }),
    urgency: "urgent",
    reasons: ["detention_risk"],
    routes: ["emergency_grant"],
  },
  {
    name: "detained before, asks legal",
    answers: with_({
      threat_types: ["legal_harassment"],
      detention_status: "detained_before",
      support_needed: ["legal"],
    }),
    urgency: "normal",
    reasons: [],
    routes: ["emergency_grant"],
  },
  {
    name: "a relative detained now",
    answers: with_({ threat_types: ["family_threat"], detention_status: "detained_now_family" }),
    urgency: "urgent",
    reasons: ["family_detained"],
    routes: ["emergency_grant"],
  },
  {
    name: "family threatened and at risk",
    answers: with_({ threat_types: ["family_threat"], family_at_risk: true, family_count: 3 }),
    urgency: "urgent",
    reasons: ["family_at_risk"],
    routes: ["emergency_grant"],
  },
  {
    name: "family threat but family not said to be at risk",
    answers: with_({ threat_types: ["family_threat"] }),
    urgency: "normal",
    reasons: [],
    routes: [],
  },
  {
    name: "fled the country 10 days ago, asks relocation abroad",
    answers: with_({
      location_country: "TR",
      nationality: "SY",
      threat_types: ["legal_harassment"],
      threat_since: since(10),
      displacement: "left_country",
      support_needed: ["relocation_abroad"],
    }),
    urgency: "urgent",
    reasons: ["recently_displaced", "in_exile", "exile_grant_limits"],
    routes: ["emergency_grant", "resettlement_referral"],
  },
  {
    name: "in exile for years, surveilled, asks digital security",
    answers: with_({
      location_country: "DE",
      nationality: "BY",
      threat_types: ["surveillance"],
      threat_since: since(700),
      displacement: "left_country",
      support_needed: ["digital_security"],
    }),
    urgency: "normal",
    reasons: ["digital_threat", "in_exile", "exile_grant_limits"],
    routes: ["emergency_grant", "resettlement_referral", "digital_security"],
  },
  {
    name: "living abroad without a described track record: no resettlement flag",
    answers: with_({
      location_country: "KE",
      nationality: "UG",
      work_categories: ["lgbtqi"],
      work_description: " ",
      threat_types: ["smear_campaign"],
      support_needed: ["psychosocial"],
    }),
    urgency: "normal",
    reasons: ["in_exile", "exile_grant_limits"],
    routes: ["emergency_grant"],
  },
  {
    name: "no human-rights work given",
    answers: with_({
      work_categories: [],
      work_description: "  ",
      threat_types: ["death_threat"],
      threat_since: since(20),
    }),
    urgency: "urgent",
    reasons: ["death_threat", "no_hr_work"],
    routes: [],
    notEligible: "no_hr_work",
  },
  {
    name: "no risk stated",
    answers: with_({ threat_types: [], support_needed: ["financial"] }),
    urgency: "normal",
    reasons: ["no_risk_stated"],
    routes: [],
    notEligible: "no_risk_stated",
  },
  {
    name: "in danger now (short path), contact unsafe",
    answers: {
      consent: true,
      danger_now: true,
      name: "A",
      location_country: "CD",
      contact_safe: false,
      contact_details: "x",
    },
    urgency: "emergency",
    reasons: ["danger_now", "contact_unsafe", "hr_work_unverified"],
    routes: ["emergency_grant", "temporary_relocation"],
  },
  {
    name: "asks relocation abroad while still at home",
    answers: with_({ support_needed: ["relocation_abroad"] }),
    urgency: "normal",
    reasons: ["resettlement_needs_exit"],
    routes: [],
  },
  {
    name: "evicted and moved within the country 20 days ago, asks temporary relocation",
    answers: with_({
      work_categories: ["land_environment"],
      threat_types: ["forced_eviction"],
      threat_since: since(20),
      displacement: "moved_in_country",
      support_needed: ["relocation_temporary"],
    }),
    urgency: "urgent",
    reasons: ["recently_displaced"],
    routes: ["emergency_grant", "temporary_relocation"],
  },
  {
    name: "undated death threat counts as urgent, not emergency",
    answers: with_({ threat_types: ["death_threat"], threat_since: undefined }),
    urgency: "urgent",
    reasons: ["death_threat"],
    routes: ["emergency_grant"],
  },
  {
    name: "moved within the country long ago: not urgent for that",
    answers: with_({ displacement: "moved_in_country", threat_since: since(365) }),
    urgency: "normal",
    reasons: [],
    routes: [],
  },
  {
    name: "death threat exactly at the 7-day edge is an emergency, at 8 days urgent",
    answers: with_({ threat_types: ["death_threat"], threat_since: since(7) }),
    urgency: "emergency",
    reasons: ["recent_death_threat"],
    routes: ["emergency_grant", "temporary_relocation"],
  },
  {
    name: "death threat 8 days ago",
    answers: with_({ threat_types: ["death_threat"], threat_since: since(8) }),
    urgency: "urgent",
    reasons: ["death_threat"],
    routes: ["emergency_grant"],
  },
];

describe("screen", () => {
  it.each(table)("$name", (c) => {
    const answers = Object.fromEntries(Object.entries(c.answers).filter(([, v]) => v !== undefined));
    const result = screen({ answers });
    expect(result.urgency).toBe(c.urgency);
    expect(result.reasons).toEqual(c.reasons);
    expect(result.routes).toEqual(c.routes);
    expect(result.notEligible).toBe(c.notEligible);
  });

  it("keeps the higher levels scarce across the table", () => {
    const levels = table.map((c) => screen({ answers: c.answers }).urgency);
    const emergencies = levels.filter((l) => l === "emergency").length;
    expect(emergencies).toBeLessThan(levels.length / 3);
    expect(levels.filter((l) => l === "normal").length).toBeGreaterThan(emergencies);
  });

  it("every reason code is exercised by some case", () => {
    const seen = new Set(table.flatMap((c) => screen({ answers: c.answers }).reasons));
    expect(reasonCodes.filter((r) => !seen.has(r))).toEqual([]);
  });

  it("treats odd values as not said instead of throwing", () => {
    const result = screen({
      answers: { danger_now: "yes", threat_types: "death_threat", threat_since: { approxDaysAgo: -3 } },
    });
    expect(result.urgency).toBe("normal");
  });
});
