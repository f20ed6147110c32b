import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashMessageSid, smsStatusKeys } from "../../../bots/sms/status-store.js";
import { emptyTwiml } from "../../../bots/sms/webhook.js";
import { createFinishedJobs } from "../../../queues/finished-jobs.js";
import { lookupHash } from "../../../src/crypto/index.js";
import { conversationState } from "../../support/conversation.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";
import { ACCOUNT, OUR_NUMBER, PUBLIC, type SmsHarness, startSmsHarness, TOKEN } from "./sms-harness.js";

const keys = await makeTestKeys();
const sid = () => `SM${randomBytes(16).toString("hex")}`;

/** A form as Twilio posts it to the incoming-message webhook. */
function incomingForm(
  from: string,
  body: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const messageSid = extra.MessageSid ?? sid();
  return {
    MessageSid: messageSid,
    SmsSid: messageSid,
    SmsMessageSid: messageSid,
    AccountSid: ACCOUNT,
    From: from,
    To: OUR_NUMBER,
    Body: body,
    NumMedia: "0",
    NumSegments: "1",
    SmsStatus: "received",
    ApiVersion: "2010-04-01",
    ...extra,
  };
}

/** Posts a form through Fastify inject, signed for PUBLIC + path unless `signature` is given. */
async function post(
  h: SmsHarness,
  path: string,
  form: Record<string, string>,
  signature: string | null = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, form),
) {
  return h.app.inject({
    method: "POST",
    url: path,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      host: "internal.local:3000",
      ...(signature === null ? {} : { "x-twilio-signature": signature }),
    },
    payload: new URLSearchParams(form).toString(),
  });
}

describe("SMS webhook signature: nothing is processed without a valid signature", () => {
  const store = useTestRedis();
  /** Keys under the prefix, apart from the queue metadata BullMQ writes when a queue is opened. */
  const written = async () => (await store.keys()).filter((k) => !/:bull:[^:]+:meta$/.test(k));
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness({ keys, redisUrl: store.url, prefix: store.prefix, worker: false });
  });
  afterAll(() => h.close());

  it.each(["body-after-signing", "wrong-host", "http-scheme", "missing-signature"] as const)(
    "%s: 403 and no Redis key written",
    async (tamper) => {
      const result = await h.tw.smsFromUser("+33612345678", "hello", { tamper });
      expect(result.status).toBe(403);
      await h.ingress.idle();
      expect(await written()).toEqual([]);
    },
  );

  it("a signature for another path, or a garbage signature, is refused", async () => {
    const form = incomingForm("+33612345678", "hello");
    const otherPath = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/status`, form);
    expect((await post(h, "/webhooks/twilio/sms", form, otherPath)).statusCode).toBe(403);
    expect((await post(h, "/webhooks/twilio/sms", form, "x".repeat(28))).statusCode).toBe(403);
    const otherToken = twilio.getExpectedTwilioSignature(
      "another-token",
      `${PUBLIC}/webhooks/twilio/sms`,
      form,
    );
    expect((await post(h, "/webhooks/twilio/sms", form, otherToken)).statusCode).toBe(403);
    expect(await written()).toEqual([]);
  });

  it("status callbacks: unsigned or tampered are 403 and record nothing", async () => {
    const form = { MessageSid: sid(), MessageStatus: "delivered", AccountSid: ACCOUNT, To: "+33612345678" };
    expect((await post(h, "/webhooks/twilio/status", form, null)).statusCode).toBe(403);
    const signed = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/status`, form);
    const altered = { ...form, MessageStatus: "undelivered", ErrorCode: "30007" };
    expect((await post(h, "/webhooks/twilio/status", altered, signed)).statusCode).toBe(403);
    const httpSigned = twilio.getExpectedTwilioSignature(
      TOKEN,
      `${PUBLIC.replace("https:", "http:")}/webhooks/twilio/status`,
      form,
    );
    expect((await post(h, "/webhooks/twilio/status", form, httpSigned)).statusCode).toBe(403);
    expect(await written()).toEqual([]);
  });

  it("an invalid sender number is 400 with nothing stored, even when signed", async () => {
    for (const from of ["12", "+1555", "not-a-number", "+999123456789", ""]) {
      const response = await post(h, "/webhooks/twilio/sms", incomingForm(from, "hello"));
      expect(response.statusCode).toBe(400);
    }
    expect(await written()).toEqual([]);
  });

  it("a body over the limit is refused before anything is read", async () => {
    const form = incomingForm("+33612345678", "x".repeat(40_000));
    expect((await post(h, "/webhooks/twilio/sms", form)).statusCode).toBe(413);
    expect(await written()).toEqual([]);
  });

  it("the largest real SMS (1600 characters, 3-byte UTF-8) fits the body limit", async () => {
    const form = incomingForm("+33612345678", "漢".repeat(1600));
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/sms`, form);
    // Signed with the wrong token: it must get as far as the signature check (403), not 413.
    const wrong = twilio.getExpectedTwilioSignature("not-our-token", `${PUBLIC}/webhooks/twilio/sms`, form);
    expect(signature).not.toBe(wrong);
    expect((await post(h, "/webhooks/twilio/sms", form, wrong)).statusCode).toBe(403);
    expect(await written()).toEqual([]);
  });

  it("the query string is part of the signed URL", async () => {
    const form = incomingForm("+33612345678", "hello");
    const withQuery = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/sms?x=1`, form);
    const response = await h.app.inject({
      method: "POST",
      url: "/webhooks/twilio/sms?x=2",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": withQuery },
      payload: new URLSearchParams(form).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(await written()).toEqual([]);
  });
});

describe("SMS webhook: valid messages", () => {
  const store = useTestRedis();
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness({ keys, redisUrl: store.url, prefix: store.prefix, deleteAfterIngest: true });
  });
  afterAll(() => h.close());

  it("a signed SMS is accepted, answered with empty TwiML, and the reply goes out through the queue", async () => {
    const user = "+33612345001";
    const result = await h.tw.smsFromUser(user, "hello");
    expect(result.status).toBe(200);
    expect(result.body).toBe(emptyTwiml);
    await h.settle();
    const sent = h.tw.messagesTo(user);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((m) => m.resource.from === OUR_NUMBER)).toBe(true);
    // The language menu, numbered for a basic phone.
    expect(sent.map((m) => m.resource.body).join("\n")).toMatch(/^1 /m);
  });

  it("the same MessageSid twice has one effect", async () => {
    const user = "+33612345002";
    const messageSid = sid();
    // Sent jobs are removed as they finish (security row 24); each leaves one content-free line.
    const lines = createFinishedJobs({ redis: h.redis, prefix: store.prefix });
    const linesBefore = (await lines.list("outbound-sms")).length;
    const first = await h.tw.smsFromUser(user, "hello", { messageSid });
    const second = await h.tw.smsFromUser(user, "hello", { messageSid });
    expect([first.status, second.status]).toEqual([200, 200]);
    await h.settle();
    const sender = lookupHash(keys.serve.lookup, "phone", user);
    const jobs = await h.queues["outbound-sms"].getJobs([
      "completed",
      "waiting",
      "active",
      "delayed",
      "failed",
    ]);
    expect(jobs.filter((j) => j.data.recipient === sender)).toHaveLength(0);
    expect(await lines.list("outbound-sms")).toHaveLength(linesBefore + 1);
    const firstTurn = h.tw.messagesTo(user).length;
    const third = await h.tw.smsFromUser(user, "hello", { messageSid });
    expect(third.status).toBe(200);
    await h.settle();
    expect(h.tw.messagesTo(user)).toHaveLength(firstTurn);
  });

  it("deletes ingested messages at Twilio, and outbound ones once delivered", async () => {
    const user = "+33612345003";
    const result = await h.tw.smsFromUser(user, "hello");
    await h.settle();
    expect(h.deleted).toContain(result.params.MessageSid);
    await h.tw.waitFor(
      () => h.tw.messagesTo(user).every((m) => m.deleted) && h.tw.messagesTo(user).length > 0,
    );
    expect(h.tw.messagesTo(user).every((m) => m.deleted)).toBe(true);
  });

  it("status callbacks record the delivery state by hashed sid, without number or content", async () => {
    const user = "+33612345004";
    h.tw.failNext(1, 30007);
    await h.tw.smsFromUser(user, "hello");
    await h.settle();
    const failed = h.tw.messagesTo(user).find((m) => m.resource.status === "undelivered");
    expect(failed).toBeDefined();
    const key = smsStatusKeys(store.prefix).message(
      hashMessageSid(keys.serve.lookup, failed?.resource.sid ?? ""),
    );
    expect(await h.redis.hgetall(key)).toEqual({ status: "undelivered", code: "30007" });
    expect(await h.redis.ttl(key)).toBeGreaterThan(0);
    const counts = await h.redis.hgetall(smsStatusKeys(store.prefix).counts);
    expect(Number(counts["undelivered:30007"])).toBe(1);
    expect(h.tw.callbacks().every((c) => c.status === 204)).toBe(true);
    // A repeated callback counts once.
    const params = h.tw.callbacks().find((c) => c.params.MessageStatus === "undelivered")?.params ?? {};
    expect((await post(h, "/webhooks/twilio/status", params)).statusCode).toBe(204);
    expect(Number((await h.redis.hgetall(smsStatusKeys(store.prefix).counts))["undelivered:30007"])).toBe(1);
  });

  it("an MMS is taken as unsupported: its media is never fetched or stored", async () => {
    const user = "+33612345005";
    await h.tw.smsFromUser(user, "hello");
    await h.settle();
    const before = h.tw.messagesTo(user).length;
    const form = incomingForm(user, "a photo", {
      NumMedia: "1",
      MediaUrl0: "https://api.twilio.com/2010-04-01/Accounts/x/Messages/y/Media/z",
      MediaContentType0: "image/jpeg",
    });
    expect((await post(h, "/webhooks/twilio/sms", form)).statusCode).toBe(200);
    await h.settle();
    expect(h.tw.messagesTo(user).length).toBeGreaterThan(before);
    const state = await conversationState(
      h.redis,
      store.prefix,
      keys,
      lookupHash(keys.serve.lookup, "phone", user),
    );
    expect(state).toBeTruthy();
    expect(JSON.stringify(state)).not.toContain("a photo");
  });
});
