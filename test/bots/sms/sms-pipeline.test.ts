import { parsePhoneNumberFromString } from "libphonenumber-js";
import { afterAll, describe, expect, it } from "vitest";
import { createFinishedJobs } from "../../../queues/finished-jobs.js";
import { createQueues } from "../../../queues/queues.js";
import { lookupHash } from "../../../src/crypto/index.js";
import type { ConversationState } from "../../../src/intake/index.js";
import type { Lang } from "../../../src/intake/messages.js";
import { dumpRedis, phoneForms } from "../../support/canary.js";
import { conversationState } from "../../support/conversation.js";
import { canaryAnswers, defaultAnswers } from "../../support/ingress-driver.js";
import { startPipeline } from "../../support/pipeline.js";

/**
 * The SMS channel end to end, through the real composition root (`intake all`): signed webhook POSTs from
 * the Twilio stand-in, the ingress, the engine, the outbound worker with the SMS sender, the screening
 * worker. Full intakes in five languages, STOP / START / HELP, then a canary scan of Redis and the logs.
 */

const pipeline = await startPipeline();
const { keys, twilio } = pipeline;
const queues = createQueues(pipeline.redis.redis(), pipeline.prefix);
afterAll(() => queues.close());

const reference = /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
const arabicIndic = (text: string) => text.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const senderOf = (phone: string) => lookupHash(keys.serve.lookup, "phone", phone);

function stateOf(phone: string): Promise<ConversationState | null | undefined> {
  return conversationState(pipeline.redis.redis(), pipeline.prefix, keys, senderOf(phone));
}

/** No outbound SMS job waiting or running: everything the engine asked to send has been sent. */
async function outboundIdle(): Promise<boolean> {
  const counts = await queues["outbound-sms"].getJobCounts("waiting", "active", "delayed", "prioritized");
  return Object.values(counts).every((n) => n === 0);
}

/** Texts `text` from `phone` (a signed webhook POST) and waits until the engine applied it and its replies went out. */
async function sms(phone: string, text: string, timeoutMs = 20_000): Promise<void> {
  const before = JSON.stringify(await stateOf(phone));
  const result = await twilio.smsFromUser(phone, text);
  expect(result.status).toBe(200);
  await waitUntil(
    "the message to be applied",
    async () => JSON.stringify(await stateOf(phone)) !== before,
    timeoutMs,
  );
  await waitUntil("outbound to drain", outboundIdle, timeoutMs);
}

async function completeIntake(phone: string, answers: Record<string, string>, digits: (t: string) => string) {
  await sms(phone, "hello");
  for (let turn = 0; turn < 60; turn++) {
    const state = await stateOf(phone);
    if (!state) return;
    await sms(phone, digits(answers[state.step] ?? "1"));
  }
  throw new Error("intake did not complete");
}

/** Answers a defender on a basic phone would type, in their language: numbers for choices and yes/no. */
function answersFor(lang: Lang, tag: string): Record<string, string> {
  const base = defaultAnswers(canaryAnswers(tag));
  const index = { en: "1", fr: "2", es: "3", ar: "4", ru: "5" }[lang];
  return {
    ...base,
    language: index,
    consent: "1",
    danger_now: "2",
    location_country: "KE",
    nationality: "UG",
    threat_since: "15/03/2024",
    family_at_risk: "2",
    contact_safe: "1",
  };
}

const people: Array<{ lang: Lang; phone: string; tag: string }> = [
  { lang: "en", phone: "+254711222301", tag: "sms-en" },
  { lang: "fr", phone: "+33612300302", tag: "sms-fr" },
  { lang: "es", phone: "+573001230303", tag: "sms-es" },
  { lang: "ar", phone: "+201001230304", tag: "sms-ar" },
  { lang: "ru", phone: "+79161230305", tag: "sms-ru" },
];
const stopper = "+254711222399";
const helper = "+33612300398";

describe("SMS end to end", () => {
  it("a full intake in each of the five languages ends with a reference code and exactly one screening job", async () => {
    await Promise.all(
      people.map((p) =>
        completeIntake(p.phone, answersFor(p.lang, p.tag), p.lang === "ar" ? arabicIndic : (t) => t),
      ),
    );
    for (const p of people) {
      const bodies = twilio.messagesTo(p.phone).map((m) => m.resource.body);
      expect(
        bodies.some((b) => reference.test(b)),
        p.lang,
      ).toBe(true);
      for (const m of twilio.messagesTo(p.phone))
        expect(Number(m.resource.num_segments)).toBeLessThanOrEqual(3);
    }
    // Screening jobs are removed as they finish (security row 24): count what they stored instead, one
    // request per intake, and that nothing is left queued or failed.
    const stored = async () =>
      (await pipeline.mongo.client()).db(pipeline.mongo.dbName).collection("requests").find({}).toArray();
    await waitUntil("screened requests", async () => (await stored()).length >= people.length);
    await waitUntil(
      "screening to drain",
      async () => (await queues.screening.getJobCountByTypes("waiting", "active", "delayed")) === 0,
    );
    const requests = await stored();
    expect(requests).toHaveLength(people.length);
    expect(new Set(requests.map((r) => r.intakeId)).size).toBe(people.length);
    const lines = await createFinishedJobs({ redis: pipeline.redis.redis(), prefix: pipeline.prefix }).list(
      "screening",
    );
    expect(lines.filter((l) => l.state === "failed")).toEqual([]);
  }, 180_000);

  it("STOP ends the conversation: nothing is sent afterwards until START", async () => {
    await sms(stopper, "hello");
    await sms(stopper, "1");
    const sentBeforeStop = twilio.messagesTo(stopper).length;
    expect(sentBeforeStop).toBeGreaterThan(0);

    await sms(stopper, "STOP");
    expect(twilio.optedOut()).toContain(stopper);
    expect((await stateOf(stopper))?.optedOut).toBe(true);
    await sms(stopper, "1");
    await sms(stopper, "hello again");
    expect(twilio.messagesTo(stopper)).toHaveLength(sentBeforeStop);
    expect(await queues["outbound-sms"].getJobCountByTypes("failed")).toBe(0);

    await sms(stopper, "START");
    expect(twilio.optedOut()).not.toContain(stopper);
    expect((await stateOf(stopper))?.optedOut).toBe(false);
    expect(twilio.messagesTo(stopper).length).toBeGreaterThan(sentBeforeStop);
  }, 60_000);

  it("after Twilio refused a send with 21610 (unsubscribed), START lifts the block", async () => {
    const phone = "+254711222396";
    await sms(phone, "hello");
    twilio.failNext(1, 21610);
    await sms(phone, "1");
    const sent = twilio.messagesTo(phone).length;
    await sms(phone, "1");
    expect(twilio.messagesTo(phone)).toHaveLength(sent);
    // The refused job never marked its turn done, so the next one waits out the worker's order wait (15 s).
    await sms(phone, "START", 45_000);
    expect(twilio.messagesTo(phone).length).toBeGreaterThan(sent);
  }, 60_000);

  it("a STOP word in another language (no OptOutType from Twilio) opts out too", async () => {
    const phone = "+33612300397";
    await sms(phone, "hello");
    await sms(phone, "2");
    const sent = twilio.messagesTo(phone).length;
    await sms(phone, "ARRÊT");
    expect((await stateOf(phone))?.optedOut).toBe(true);
    await sms(phone, "1");
    expect(twilio.messagesTo(phone)).toHaveLength(sent);
  }, 60_000);

  it("HELP answers without changing the conversation", async () => {
    await sms(helper, "hello");
    await sms(helper, "2");
    const before = await stateOf(helper);
    const sent = twilio.messagesTo(helper).length;
    await sms(helper, "HELP");
    const after = await stateOf(helper);
    expect(after?.step).toBe(before?.step);
    expect(after?.answers).toEqual(before?.answers);
    expect(after?.optedOut).toBe(false);
    expect(twilio.messagesTo(helper).length).toBeGreaterThan(sent);
  }, 60_000);

  it("leaves no phone number (any format) and no answer in Redis or the logs", async () => {
    await waitUntil("outbound to drain", outboundIdle);
    await twilio.settled();
    const needles: string[] = [];
    for (const phone of [...people.map((p) => p.phone), stopper, helper, "+33612300397", "+254711222396"]) {
      const parsed = parsePhoneNumberFromString(phone);
      needles.push(
        ...phoneForms(phone),
        parsed?.formatNational() ?? phone,
        parsed?.formatNational().replace(/\D/g, "") ?? phone,
        parsed?.formatInternational() ?? phone,
      );
    }
    for (const p of people) needles.push(...Object.values(canaryAnswers(p.tag)));
    const redisText = await dumpRedis(pipeline.redis.redis(), pipeline.prefix);
    const logText = pipeline.logText();
    expect(redisText.length).toBeGreaterThan(0);
    expect(logText.length).toBeGreaterThan(0);
    for (const needle of needles) {
      expect(redisText, `Redis holds ${needle}`).not.toContain(needle);
      expect(logText, `logs hold ${needle}`).not.toContain(needle);
    }
    // Nor any MessageSid (a sid fetches the message at Twilio).
    for (const m of twilio.messages()) {
      expect(redisText).not.toContain(m.resource.sid);
      expect(logText).not.toContain(m.resource.sid);
    }
  });
});
