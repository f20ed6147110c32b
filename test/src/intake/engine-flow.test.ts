import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";
import { langs } from "../../../src/intake/messages.js";
import { referenceFor, referencePattern } from "../../../src/intake/reference.js";
import { renderPlainText } from "../../../src/intake/render-text.js";
import { drive, fixedId, type Path, scripts, send, t0, text } from "./conversation.js";

const fullPath: string[] = [
  "language",
  "consent",
  "danger_now",
  "name",
  "location_country",
  "location_detail",
  "nationality",
  "work_categories",
  "work_description",
  "threat_types",
  "threat_description",
  "threat_since",
  "detention_status",
  "displacement",
  "family_at_risk",
  "family_count",
  "support_needed",
  "contact_safe",
  "contact_methods",
  "contact_details",
  "review",
];
const dangerPath = [
  "language",
  "consent",
  "danger_now",
  "name",
  "location_country",
  "contact_safe",
  "contact_details",
  "review",
];

const paths: Array<{ name: string; path: Path; asked: string[] }> = [
  { name: "danger now", path: { danger: true, family: true, displacement: "1" }, asked: dangerPath },
  {
    name: "family at risk, at home",
    path: { danger: false, family: true, displacement: "1" },
    asked: fullPath,
  },
  {
    name: "no family, moved in country",
    path: { danger: false, family: false, displacement: "2" },
    asked: fullPath.filter((s) => s !== "family_count"),
  },
  { name: "family, left country", path: { danger: false, family: true, displacement: "3" }, asked: fullPath },
];

const displacementIds = { "1": "at_home", "2": "moved_in_country", "3": "left_country" } as const;

describe("the default flow completes", () => {
  const cases = langs.flatMap((lang) => paths.map((p) => ({ lang, ...p })));
  it.each(cases)("in $lang: $name", ({ lang, path, asked }) => {
    const script = scripts[lang];
    const run = drive(script, path);
    expect(run.asked).toEqual(asked);
    const intake = run.intake;
    expect(intake).toBeDefined();
    if (!intake) return;
    expect(intake.lang).toBe(lang);
    expect(intake.answers.language).toBe(lang);
    expect(intake.answers.consent).toBe(true);
    expect(intake.answers.danger_now).toBe(path.danger);
    expect(intake.answers.name).toBe("Amina K.");
    expect(intake.answers.contact_safe).toBe(false);
    expect(intake.answers.contact_details).toBe("Signal, evenings");
    expect(Object.keys(intake.answers).sort()).toEqual(asked.filter((s) => s !== "review").sort());
    if (!path.danger) {
      expect(intake.answers.displacement).toBe(displacementIds[path.displacement]);
      expect(intake.answers.family_at_risk).toBe(path.family);
      expect(intake.answers.work_categories).toEqual(["journalism", "land_environment"]);
      expect(intake.answers.threat_types).toEqual(["physical_attack", "surveillance"]);
      expect(intake.answers.location_detail).toBe("");
      expect(intake.answers.detention_status).toBe("at_risk");
      const since = intake.answers.threat_since;
      expect(typeof since === "object" && !Array.isArray(since) ? since.approxDaysAgo : -1).toBeGreaterThan(
        13,
      );
      if (path.family) expect(intake.answers.family_count).toBe(3);
    }
    // the last reply gives the reference in the defender's language
    const last = run.results.at(-1);
    expect(last?.state).toBeNull();
    expect(last?.replies[0]?.lang).toBe(lang);
    expect(last?.replies[0]?.text).toContain(intake.reference);
  });

  it("reads countries and dates in each language", () => {
    const expected = {
      en: ["CO", "CO", 21],
      fr: ["CO", "CD", 60],
      es: ["MX", "MX", 21],
      ar: ["SY", "SD", 21],
      ru: ["RU", "BY", 60],
    } as const;
    for (const lang of langs) {
      const intake = drive(scripts[lang], { danger: false, family: false, displacement: "1" }).intake;
      expect([
        intake?.answers.location_country,
        intake?.answers.nationality,
        intake?.answers.threat_since,
      ]).toEqual([expected[lang][0], expected[lang][1], { approxDaysAgo: expected[lang][2] }]);
    }
  });

  it("gives safety guidance first when the defender is in danger now", () => {
    const run = drive(scripts.en, { danger: true, family: false, displacement: "1" });
    const afterDanger = run.results[run.asked.indexOf("danger_now") + 1];
    expect(afterDanger?.replies[0]?.text).toMatch(/safe place/);
    expect(afterDanger?.state?.step).toBe("name");
  });

  it("switches language midway and finishes in the new language", () => {
    let switched = false;
    const run = drive(
      scripts.en,
      { danger: false, family: true, displacement: "2" },
      {
        before: (state) => {
          if (state.step !== "threat_types" || switched) return undefined;
          if (state.pending?.kind === "language") {
            switched = true;
            return text("2");
          }
          return text("language");
        },
      },
    );
    expect(switched).toBe(true);
    expect(run.intake?.lang).toBe("fr");
    expect(run.intake?.answers.language).toBe("fr");
    // answers before the switch are kept
    expect(run.intake?.answers.work_categories).toEqual(["journalism", "land_environment"]);
    // the step after the switch was re-rendered in French
    const afterSwitch = run.results.find((r) => r.replies[0]?.text.startsWith("Que vous arrive"));
    expect(afterSwitch?.state?.step).toBe("threat_types");
  });

  it("matches the contract in docs/intake-record.md", () => {
    const doc = readFileSync(new URL("../../../docs/intake-record.md", import.meta.url), "utf8").replaceAll(
      "\\|",
      "/",
    );
    const rows = [...doc.matchAll(/^\| `(\w+)` \| ([^|]+)\|[^|]+\|([^|]*)\|$/gm)];
    expect(rows.length).toBe(20);
    for (const [, id, kind, options] of rows) {
      const step = defaultFlow.steps.find((s) => s.id === id);
      expect(step, id).toBeDefined();
      const expectedKind = kind?.includes("multi")
        ? "multiple"
        : kind?.includes("yes/no")
          ? "yesno"
          : kind?.includes("choice")
            ? "single"
            : kind?.split(/[ ,]/)[0];
      const actual = step?.kind === "choice" ? step.mode : step?.kind === "since" ? "date" : step?.kind;
      expect(actual, id).toBe(expectedKind);
      if (kind?.includes("sensitive")) expect(step?.sensitive, id).toBe(true);
      const ids = (options ?? "")
        .split(",")
        .map((o) => o.trim())
        .filter((o) => o.length > 0);
      if (ids.length > 0 && step?.kind === "choice")
        expect(
          step.options.map((o) => o.id),
          id,
        ).toEqual(ids);
    }
    const intake = drive(scripts.en, { danger: false, family: true, displacement: "1" }).intake;
    expect(intake && Object.keys(intake).sort()).toEqual(
      [
        "v",
        "intakeId",
        "reference",
        "flowVersion",
        "consentVersion",
        "lang",
        "channel",
        "sender",
        "replyAddress",
        "startedDay",
        "completedDay",
        "answers",
      ].sort(),
    );
    expect(intake).toMatchObject({
      v: 1,
      intakeId: fixedId,
      reference: referenceFor(fixedId),
      flowVersion: "default@1",
      consentVersion: "consent@1",
      channel: "sms",
      sender: "sender-hash",
      replyAddress: "+15550000001",
      startedDay: "2026-11-28",
      completedDay: "2026-11-28",
    });
    expect(intake?.reference).toMatch(referencePattern);
  });

  it("ends with nothing kept when consent is refused", () => {
    let r = send(undefined, text("hi"));
    r = send(r.state ?? undefined, text("1"));
    expect(r.state?.step).toBe("consent");
    r = send(r.state ?? undefined, text("no"));
    expect(r.state).toBeNull();
    expect(r.effects).toEqual([]);
    expect(r.replies[0]?.text).toMatch(/kept nothing/);
  });

  it("tells the channel risk and how to erase right after the language, in every language", () => {
    for (const lang of langs) {
      const first = send(undefined, text("hi"));
      const r = send(first.state ?? undefined, text(String(langs.indexOf(lang) + 1)));
      const all = r.replies.map(renderPlainText).join("\n");
      expect(all).toContain(lang === "ar" ? "تيليغرام" : "Telegram");
      expect(all).toContain("/wipe");
      expect(r.replies.every((reply) => reply.lang === lang)).toBe(true);
    }
  });

  it("is deterministic: the same inbound on the same state gives the same result", () => {
    const run = drive(scripts.ar, { danger: false, family: true, displacement: "3" });
    const again = drive(scripts.ar, { danger: false, family: true, displacement: "3" });
    expect(again.results).toEqual(run.results);
    for (const [, state] of run.states) {
      const body = text("1");
      expect(send(state, body, { now: t0 + 5000 })).toEqual(send(state, body, { now: t0 + 5000 }));
      // the state is plain JSON
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    }
  });

  it("keeps the reply address and channel from the first message", () => {
    const r = send(undefined, text("hi"), { channel: "telegram" });
    expect(r.state).toMatchObject({
      channel: "telegram",
      replyAddress: "4242",
      sender: "sender-hash",
      intakeId: fixedId,
    });
  });
});
