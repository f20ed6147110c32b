import { describe, expect, it } from "vitest";
import { t } from "../../../src/i18n/translate.js";
import { parseCommand } from "../../../src/intake/commands.js";
import { markReminderSent, reminder } from "../../../src/intake/engine.js";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";
import { type InboundBody, type Lang, langs } from "../../../src/intake/messages.js";
import { renderPlainText } from "../../../src/intake/render-text.js";
import type { ConversationState } from "../../../src/intake/state.js";
import { drive, scripts, send, t0, text } from "./conversation.js";

const words: Record<"help" | "back" | "restart" | "language" | "delete" | "stop", Record<Lang, string>> = {
  help: { en: "help", fr: "AIDE", es: "ayuda", ar: "مساعدة", ru: "Помощь" },
  back: { en: "/back", fr: "retour", es: "atrás", ar: "رجوع", ru: "назад" },
  restart: { en: "restart", fr: "Recommencer", es: "reiniciar", ar: "من جديد", ru: "заново" },
  language: { en: "Language", fr: "langue", es: "idioma", ar: "لغة", ru: "язык" },
  delete: { en: "DELETE", fr: "supprimer", es: "borrar", ar: "حذف", ru: "удалить" },
  stop: { en: "STOP", fr: "arrêt", es: "parar", ar: "توقف", ru: "стоп" },
};

/** The state at every step of a full run (danger no, family yes), in each language. */
function statesByStep(lang: Lang): Array<[string, ConversationState]> {
  const run = drive(scripts[lang], { danger: false, family: true, displacement: "2" });
  return [...run.states.entries()];
}

const everyStep = langs.flatMap((lang) =>
  statesByStep(lang).map(([stepId, state]) => ({ lang, stepId, state })),
);

describe("commands at every step, in every language", () => {
  it("covers every question step and the review", () => {
    expect(new Set(everyStep.map((c) => c.stepId)).size).toBe(21);
  });

  it.each(everyStep)("help at $stepId ($lang)", ({ lang, state }) => {
    const r = send(state, text(words.help[lang]));
    expect(r.state?.step).toBe(state.step);
    expect(r.replies[0]?.text).toBe(t(state.lang, "help"));
    expect(r.replies.length).toBeGreaterThan(1);
  });

  it.each(everyStep)("back at $stepId ($lang)", ({ lang, state }) => {
    const r = send(state, text(words.back[lang]));
    const previous = state.history.at(-1);
    if (previous === undefined) {
      expect(r.replies[0]?.text).toBe(t(state.lang, "back-at-start"));
      expect(r.state?.step).toBe(state.step);
    } else {
      expect(r.state?.step).toBe(previous);
      expect(r.state?.answers).toEqual(state.answers);
    }
  });

  it.each(everyStep)("restart at $stepId ($lang)", ({ lang, state }) => {
    const r = send(state, text(words.restart[lang]));
    expect(r.state?.step).toBe("consent");
    expect(r.state?.answers).toEqual({ language: state.lang });
    expect(r.state?.intakeId).toBe(state.intakeId);
  });

  it.each(everyStep)("language at $stepId ($lang)", ({ lang, state }) => {
    const r = send(state, text(words.language[lang]));
    expect(r.replies.at(-1)?.choices?.stepId).toBe("language");
    const target = lang === "ru" ? "2" : "5";
    const picked = send(r.state ?? undefined, text(target));
    const expected = lang === "ru" ? "fr" : "ru";
    expect(picked.state?.lang).toBe(expected);
    if (state.step !== "language") {
      expect(picked.state?.step).toBe(state.step);
      expect(picked.state?.pending).toBeNull();
      expect(picked.replies.every((reply) => reply.lang === expected)).toBe(true);
    }
  });

  it.each(everyStep)("delete asks first, then erases, at $stepId ($lang)", ({ lang, state }) => {
    const asked = send(state, text(words.delete[lang]));
    expect(asked.effects).toEqual([]);
    expect(asked.state?.pending).toEqual({ kind: "confirm-delete" });
    expect(asked.replies[0]?.choices?.stepId).toBe("delete_confirm");
    const kept = send(asked.state ?? undefined, text(scripts[lang].no));
    expect(kept.effects).toEqual([]);
    expect(kept.state?.step).toBe(state.step);
    expect(kept.state?.answers).toEqual(state.answers);
    const erased = send(asked.state ?? undefined, text(scripts[lang].yes));
    expect(erased).toEqual({
      state: null,
      replies: [{ text: t(state.lang, "delete-done"), lang: state.lang }],
      effects: [{ type: "erase" }],
    });
  });

  it.each(everyStep)("wipe at $stepId ($lang)", ({ state }) => {
    const telegram = send(
      { ...state, channel: "telegram" },
      { kind: "command", command: "wipe" },
      { channel: "telegram" },
    );
    expect(telegram.effects).toEqual([{ type: "wipe-chat" }]);
    expect(telegram.replies[0]?.ephemeralSeconds).toBeGreaterThan(0);
    expect(telegram.state?.answers).toEqual(state.answers);
    const sms = send(state, text("/wipe"));
    expect(sms.effects).toEqual([]);
    expect(sms.replies[0]?.text).toBe(t(state.lang, "wipe-sms"));
  });

  it.each(everyStep)("stop, then START, at $stepId ($lang)", ({ lang, state }) => {
    const stopped = send(state, text(words.stop[lang]));
    expect(stopped.effects).toEqual([{ type: "opt-out" }]);
    expect(stopped.replies).toEqual([]);
    expect(stopped.state?.answers).toEqual(state.answers);
    const silent = send(stopped.state ?? undefined, text("1"));
    expect(silent.replies).toEqual([]);
    expect(silent.state?.step).toBe(state.step);
    const resumed = send(silent.state ?? undefined, text("START"));
    expect(resumed.effects).toEqual([{ type: "opt-in" }]);
    expect(resumed.state?.step).toBe(state.step);
    expect(resumed.replies[0]?.text).toBe(t(state.lang, "welcome-back"));
  });
});

/** An answer each kind of step cannot accept. */
function invalidFor(stepId: string): InboundBody {
  const step = defaultFlow.steps.find((s) => s.id === stepId);
  switch (step?.kind) {
    case "choice":
      return text(step.mode === "single" ? "99" : "1 99");
    case "yesno":
      return text("perhaps");
    case "text":
      return text("x".repeat(step.maxLength + 1));
    case "number":
      return text("51");
    case "country":
      return text("Atlantis");
    case "since":
      return text("blue");
    default:
      return text("7");
  }
}

describe("/start at every step", () => {
  it.each(everyStep)("resumes at $stepId ($lang)", ({ state }) => {
    const r = send(
      { ...state, channel: "telegram" },
      { kind: "command", command: "start" },
      { channel: "telegram" },
    );
    expect(r.state?.step).toBe(state.step);
    expect(r.state?.answers).toEqual(state.answers);
    expect(r.replies[0]?.text).toBe(t(state.lang, "welcome-back"));
    expect(r.effects).toEqual([]);
  });
});

describe("the help text names commands the engine understands", () => {
  it.each(langs.filter((l) => l !== "ar"))("%s", (lang) => {
    const named = t(lang, "help").match(/(?<!\p{L})[A-ZА-ЯЁ]{4,}(?!\p{L})/gu) ?? [];
    expect(named.length).toBeGreaterThanOrEqual(5);
    for (const word of named) expect(parseCommand(word), word).toBeDefined();
  });

  it("ar", () => {
    for (const word of ["رجوع", "من جديد", "لغة", "حذف", "توقف", "مساعدة"]) {
      expect(t("ar", "help") + t("ar", "intro-erase")).toContain(word);
      expect(parseCommand(word), word).toBeDefined();
    }
  });
});

describe("invalid answers", () => {
  it.each(everyStep)("re-prompt at $stepId ($lang), and offer help after three", ({ state }) => {
    let current: ConversationState | undefined = state;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = send(current, invalidFor(state.step));
      expect(r.state?.step).toBe(state.step);
      expect(r.effects).toEqual([]);
      expect(r.replies.length).toBeGreaterThanOrEqual(2);
      expect(r.replies.at(-1)).toEqual(r.state && send(r.state, text("help")).replies.at(-1));
      expect(r.replies.length).toBe(2);
      const offersHelp = r.replies[0]?.text.includes(t(state.lang, "help-offer"));
      expect(offersHelp).toBe(attempt === 3);
      current = r.state ?? undefined;
    }
  });

  it("accepts an empty skip on the optional city step only", () => {
    const state = drive(scripts.en, { danger: false, family: false, displacement: "1" }).states.get(
      "location_detail",
    );
    expect(send(state, text("skip")).state?.answers.location_detail).toBe("");
    const name = drive(scripts.en, { danger: false, family: false, displacement: "1" }).states.get("name");
    expect(send(name, text("   ")).state?.step).toBe("name");
  });

  it("treats photos and voice notes as unreadable and keeps nothing of them", () => {
    const state = drive(scripts.en, { danger: false, family: false, displacement: "1" }).states.get("name");
    const r = send(state, { kind: "unsupported", what: "voice" });
    expect(r.replies[0]?.text).toBe(t("en", "invalid-unsupported"));
    expect(r.state?.answers).toEqual(state?.answers);
  });
});

describe("buttons", () => {
  const states = drive(scripts.en, { danger: false, family: true, displacement: "1" }).states;

  it("toggles multi-select options and finishes with Done", () => {
    let r = send(
      states.get("threat_types"),
      { kind: "choice", stepId: "threat_types", optionId: "surveillance" },
      { channel: "telegram" },
    );
    expect(r.replies[0]?.choices?.options.find((o) => o.id === "surveillance")?.selected).toBe(true);
    r = send(r.state ?? undefined, { kind: "choice", stepId: "threat_types", optionId: "death_threat" });
    r = send(r.state ?? undefined, { kind: "choice", stepId: "threat_types", optionId: "surveillance" });
    r = send(r.state ?? undefined, { kind: "choice", stepId: "threat_types", optionId: "physical_attack" });
    expect(r.state?.step).toBe("threat_types");
    r = send(r.state ?? undefined, { kind: "choice", stepId: "threat_types", optionId: "__done" });
    expect(r.state?.step).toBe("threat_description");
    expect(r.state?.answers.threat_types).toEqual(["physical_attack", "death_threat"]);
  });

  it("refuses Done with nothing selected", () => {
    const r = send(states.get("support_needed"), {
      kind: "choice",
      stepId: "support_needed",
      optionId: "__done",
    });
    expect(r.state?.step).toBe("support_needed");
    expect(r.replies[0]?.text).toBe(t("en", "invalid-multiple"));
  });

  it("reads single choice and yes/no buttons", () => {
    const r = send(states.get("displacement"), {
      kind: "choice",
      stepId: "displacement",
      optionId: "left_country",
    });
    expect(r.state?.answers.displacement).toBe("left_country");
    const y = send(states.get("family_at_risk"), {
      kind: "choice",
      stepId: "family_at_risk",
      optionId: "no",
    });
    expect(y.state?.answers.family_at_risk).toBe(false);
  });

  it("answers a button from an earlier question with the current one", () => {
    const state = states.get("displacement");
    const r = send(state, { kind: "choice", stepId: "detention_status", optionId: "none" });
    expect(r.replies[0]?.text).toBe(t("en", "invalid-stale"));
    expect(r.state?.step).toBe("displacement");
    expect(r.state?.invalidCount).toBe(0);
  });
});

describe("back, restart and review", () => {
  it("goes back step by step to the language menu", () => {
    const state = drive(scripts.fr, { danger: false, family: false, displacement: "1" }).states.get(
      "nationality",
    );
    const seen: string[] = [];
    let current = state;
    for (let i = 0; i < 6; i++) {
      const r = send(current, text("retour"));
      seen.push(r.state?.step ?? "");
      current = r.state ?? undefined;
    }
    expect(seen).toEqual([
      "location_detail",
      "location_country",
      "name",
      "danger_now",
      "consent",
      "language",
    ]);
  });

  it("changes one answer from the review and comes back to it", () => {
    const review = drive(scripts.en, { danger: false, family: true, displacement: "1" }).states.get("review");
    const summary = review && send(review, text("help")).replies[1]?.text;
    expect(summary).toContain("2. Name: Amina K.");
    let r = send(review, text("2"));
    expect(r.state?.pending).toEqual({ kind: "review-pick" });
    expect(renderPlainText(r.replies[0] ?? { text: "", lang: "en" })).not.toContain("\n1 ");
    r = send(r.state ?? undefined, text("2"));
    expect(r.state?.step).toBe("name");
    r = send(r.state ?? undefined, text("Sara"));
    expect(r.state?.step).toBe("review");
    expect(r.replies[0]?.text).toContain("2. Name: Sara");
    r = send(r.state ?? undefined, text("1"));
    const done = r.effects[0];
    expect(done?.type === "complete" && done.intake.answers.name).toBe("Sara");
  });

  it("asks the newly relevant questions when a change opens a branch", () => {
    const review = drive(scripts.en, { danger: true, family: false, displacement: "1" }).states.get("review");
    let r = send(review, text("change"));
    r = send(r.state ?? undefined, text("1")); // danger now
    r = send(r.state ?? undefined, text("no"));
    expect(r.state?.step).toBe("location_detail");
    r = send(r.state ?? undefined, text("0"));
    expect(r.state?.step).toBe("nationality");
  });

  it("drops answers a change makes irrelevant", () => {
    const review = drive(scripts.en, { danger: false, family: true, displacement: "1" }).states.get("review");
    let r = send(review, text("2"));
    r = send(r.state ?? undefined, text("1"));
    r = send(r.state ?? undefined, text("yes"));
    expect(r.state?.step).toBe("review");
    r = send(r.state ?? undefined, text("1"));
    const done = r.effects[0];
    const answers = done?.type === "complete" ? Object.keys(done.intake.answers) : [];
    expect(answers.sort()).toEqual(
      [
        "language",
        "consent",
        "danger_now",
        "name",
        "location_country",
        "contact_safe",
        "contact_details",
      ].sort(),
    );
  });
});

describe("without a conversation", () => {
  it("asks to confirm a delete, then erases", () => {
    const asked = send(undefined, text("DELETE"));
    expect(asked.state?.pending).toEqual({ kind: "confirm-delete" });
    const erased = send(asked.state ?? undefined, text("yes"));
    expect(erased.effects).toEqual([{ type: "erase" }]);
    expect(erased.state).toBeNull();
  });

  it("opts out without creating a conversation", () => {
    expect(send(undefined, text("STOP"))).toEqual({
      state: null,
      replies: [],
      effects: [{ type: "opt-out" }],
    });
  });

  it("wipes a Telegram chat without creating a conversation", () => {
    const r = send(undefined, { kind: "command", command: "wipe" }, { channel: "telegram" });
    expect(r.state).toBeNull();
    expect(r.effects).toEqual([{ type: "wipe-chat" }]);
  });

  it("starts in the language of a /start payload or a first word naming a language", () => {
    const deepLink = send(
      undefined,
      { kind: "command", command: "start", payload: "ar" },
      { channel: "telegram" },
    );
    expect(deepLink.state?.lang).toBe("ar");
    expect(deepLink.state?.step).toBe("consent");
    const word = send(undefined, text("Español"));
    expect(word.state?.lang).toBe("es");
  });
});

describe("a new flow version", () => {
  it("starts an old conversation again after the language, keeping language and id", () => {
    const old = drive(scripts.ru, { danger: false, family: false, displacement: "1" }).states.get(
      "threat_types",
    );
    if (!old) throw new Error("no state");
    const r = send({ ...old, flowVersion: "default@0" }, text("1"));
    expect(r.replies[0]?.text).toBe(t("ru", "flow-changed"));
    expect(r.state).toMatchObject({
      step: "consent",
      lang: "ru",
      flowVersion: "default@1",
      intakeId: old.intakeId,
    });
    expect(r.state?.answers).toEqual({ language: "ru" });
  });
});

describe("reminder", () => {
  const ttl = 72 * 3_600_000;
  const state = drive(scripts.es, { danger: false, family: false, displacement: "1" }).states.get("name");

  it("is sent once, after half the time, before expiry", () => {
    if (!state) throw new Error("no state");
    expect(reminder(state, t0 + 1000, ttl)).toBeUndefined();
    const replies = reminder(state, t0 + 48 * 3_600_000, ttl);
    expect(replies?.[0]?.text).toBe(t("es", "reminder", { hours: 24 }));
    expect(reminder(markReminderSent(state, t0 + 48 * 3_600_000), t0 + 50 * 3_600_000, ttl)).toBeUndefined();
    expect(reminder(state, t0 + ttl + 1, ttl)).toBeUndefined();
  });
});
