/**
 * `npm run demo -- --seed N`: N fictional defenders go through the real intake, across urgencies,
 * languages and both channels, so the staff console has a realistic queue to triage. Each one talks through
 * the stand-ins exactly as the simulator page does (signed webhooks), waits for the bot's reply before
 * answering, and is screened by the real worker. Every name, place and story here is invented.
 */
import type { DemoStandIns } from "./server.js";
import { fictionalChatId, fictionalPhone } from "./server.js";

/** One scripted defender: a channel, a language and the answers, in the order the default flow asks. */
interface Persona {
  readonly channel: "telegram" | "sms";
  /** Position of the language in the language question (1 en, 2 fr, 3 es, 4 ar, 5 ru). */
  readonly language: "1" | "2" | "3" | "4" | "5";
  readonly phone: readonly [prefix: string, digits: number];
  readonly answers: readonly string[];
}

const YES = "1";
const NO = "2";

// Answers after the language question. In danger now: the short path (name, country, safe contact).
const personas: readonly Persona[] = [
  {
    channel: "telegram",
    language: "1",
    phone: ["+25471", 7],
    answers: [YES, YES, "Amani K.", "KE", NO, "Only on Signal, after 8 pm", YES],
  },
  {
    channel: "sms",
    language: "3",
    phone: ["+57310", 7],
    answers: [
      YES,
      NO,
      "Lucía",
      "CO",
      "Cauca",
      "CO",
      "3",
      "Defiendo el territorio de mi comunidad frente a una mina ilegal.",
      "2 3 9",
      "Hombres armados vinieron a mi casa y amenazaron a mi familia.",
      "10/09/2026",
      "4",
      "2",
      YES,
      "4",
      "1 3",
      NO,
      "2",
      "Signal, por la mañana",
      YES,
    ],
  },
  {
    channel: "telegram",
    language: "2",
    phone: ["+336", 8],
    answers: [
      YES,
      NO,
      "Mireille",
      "CD",
      "0",
      "CD",
      "1",
      "Je suis journaliste et j'enquête sur des détournements de fonds publics.",
      "3 4 7",
      "Mon téléphone a été piraté et on me suit depuis mon dernier article.",
      "01/08/2026",
      "5",
      "1",
      NO,
      "6",
      YES,
      "1",
      "Ici, le soir",
      YES,
    ],
  },
  {
    channel: "sms",
    language: "4",
    phone: ["+2010", 8],
    answers: [YES, YES, "Salma", "EG", YES, "This number, any time", YES],
  },
  {
    channel: "telegram",
    language: "5",
    phone: ["+7916", 7],
    answers: [
      YES,
      NO,
      "Oleg",
      "GE",
      "Tbilisi",
      "RU",
      "2",
      "Я юрист, защищаю активистов в судах.",
      "5 6",
      "Против меня возбудили уголовное дело, мне пришлось уехать.",
      "15/03/2026",
      "3",
      "3",
      NO,
      "2 3",
      YES,
      "4",
      "Email, в любое время",
      YES,
    ],
  },
  {
    channel: "sms",
    language: "1",
    phone: ["+25471", 7],
    answers: [
      YES,
      NO,
      "Grace",
      "UG",
      "Kampala",
      "UG",
      "4",
      "I run a support group for LGBTQI people.",
      "7 8",
      "My photo was published with my address and people came to the door.",
      "2 weeks",
      "4",
      "2",
      YES,
      "2",
      "1 5",
      NO,
      "2",
      "Signal, weekdays",
      YES,
    ],
  },
];

export interface SeedResult {
  readonly completed: number;
  readonly failed: number;
}

const STEP_TIMEOUT_MS = 20_000;
const QUIET_MS = 500;
const CONCURRENCY = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the bot has sent more than `before` messages and then nothing new for QUIET_MS. */
async function repliesAfter(count: () => number, before: number): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let seen = count();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = count();
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    } else if (seen > before && Date.now() - quietSince >= QUIET_MS) {
      return;
    }
  }
  throw new Error("the bot did not answer in time");
}

/** The reference code (`XXXX-XXXX`, Crockford base32) the bot sends once an intake is submitted. */
const REFERENCE = /\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/;

async function runPersona(demo: DemoStandIns, persona: Persona): Promise<void> {
  const script = ["Hello", persona.language, ...persona.answers];
  let lastReply: () => string;
  if (persona.channel === "telegram") {
    const chatId = fictionalChatId();
    const count = () => demo.telegram.messagesTo(chatId).length;
    lastReply = () =>
      demo.telegram
        .messagesTo(chatId)
        .slice(-3)
        .map((m) => m.text ?? "")
        .join("\n");
    for (const text of script) {
      const before = count();
      const r = await demo.telegram.userSends(chatId, text);
      if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
      await repliesAfter(count, before);
    }
  } else {
    const phone = fictionalPhone(...persona.phone);
    const count = () => demo.twilio.messagesTo(phone).length;
    lastReply = () =>
      demo.twilio
        .messagesTo(phone)
        .slice(-3)
        .map((m) => m.resource.body)
        .join("\n");
    for (const text of script) {
      const before = count();
      const status = await demo.smsFromUser(phone, text);
      if (status >= 300) throw new Error(`webhook answered ${status}`);
      await repliesAfter(count, before);
    }
  }
  // Every answer was accepted only if the conversation ended with a reference code.
  if (!REFERENCE.test(lastReply())) throw new Error("the conversation did not end with a reference code");
}

/**
 * Drives `n` fictional intakes (cycling through the personas), a few at a time. Resolves with how many
 * finished; a persona that stalls (no reply within 20 s) is counted as failed, so this always ends.
 */
export async function seedIntakes(
  demo: DemoStandIns,
  n: number,
  options: { onProgress?: (line: string) => void } = {},
): Promise<SeedResult> {
  let next = 0;
  let completed = 0;
  let failed = 0;
  async function lane(): Promise<void> {
    while (next < n) {
      const index = next++;
      const persona = personas[index % personas.length] as Persona;
      try {
        await runPersona(demo, persona);
        completed += 1;
      } catch (err) {
        failed += 1;
        options.onProgress?.(
          `seed ${index + 1} (${persona.channel}) stopped: ${err instanceof Error ? err.message : "error"}`,
        );
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, () => lane()));
  return { completed, failed };
}
