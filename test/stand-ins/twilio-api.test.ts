import formbody from "@fastify/formbody";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import twilio from "twilio";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countSegments, startTwilioStandIn, type TwilioStandIn } from "../../stand-ins/twilio-api.js";
import { createTwilioClient } from "../../stand-ins/twilio-client.js";

const ACCOUNT = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "standin-auth-token-0123456789abcd";
const FROM = "+15005550006";
const USER = "+33612345678";
const PUBLIC = "https://intake.example.org";

interface Received {
  path: string;
  params: Record<string, string>;
  valid: boolean;
}

/** A tiny fastify app that checks X-Twilio-Signature against the PUBLIC URL, as production must. */
async function startReceiver(): Promise<{ base: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const app = Fastify();
  await app.register(formbody);
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const params = request.body as Record<string, string>;
    const signature = request.headers["x-twilio-signature"];
    const valid =
      typeof signature === "string" &&
      twilio.validateRequest(TOKEN, signature, `${PUBLIC}${request.url}`, params);
    received.push({ path: request.url, params, valid });
    if (!valid) {
      await reply.code(403).send();
      return;
    }
    await reply.type("text/xml").send("<Response/>");
  };
  app.post("/webhooks/twilio/sms", handler);
  app.post("/webhooks/twilio/status", handler);
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  return { base, received, close: () => app.close() };
}

describe("Twilio REST stand-in", () => {
  let tw: TwilioStandIn;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeEach(async () => {
    receiver = await startReceiver();
    tw = await startTwilioStandIn({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      publicBaseUrl: PUBLIC,
      deliverTo: receiver.base,
      phoneNumber: FROM,
    });
  });
  afterEach(async () => {
    await tw.close();
    await receiver.close();
  });

  it("creates, fetches and deletes messages through the official client", async () => {
    const client = createTwilioClient(tw.apiBase, ACCOUNT, TOKEN);
    const created = await client.messages.create({ to: USER, from: FROM, body: "Hello" });
    expect(created.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(created.status).toBe("queued");
    expect(created.numSegments).toBe("1");
    expect(created.accountSid).toBe(ACCOUNT);
    expect(created.to).toBe(USER);
    expect(created.dateCreated).toBeInstanceOf(Date);
    expect(tw.messagesTo(USER).map((m) => m.resource.body)).toEqual(["Hello"]);

    const listed = await client.messages.list({ to: USER });
    expect(listed.map((m) => m.sid)).toEqual([created.sid]);
    const fetched = await client.messages(created.sid).fetch();
    expect(fetched.body).toBe("Hello");
    expect(await client.messages(created.sid).remove()).toBe(true);
    await expect(client.messages(created.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(tw.messagesTo(USER)[0]?.deleted).toBe(true);
  });

  it("refuses wrong credentials with Twilio's error shape", async () => {
    const client = createTwilioClient(tw.apiBase, ACCOUNT, "wrong-token");
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
    const raw = await fetch(`${tw.apiBase}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, { method: "POST" });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ code: 20003, status: 401, more_info: expect.any(String) });
  });

  it("counts segments as GSM-7 or UCS-2", () => {
    expect(countSegments("a".repeat(160))).toBe(1);
    expect(countSegments("a".repeat(161))).toBe(2);
    expect(countSegments("ж".repeat(70))).toBe(1);
    expect(countSegments("ж".repeat(71))).toBe(2);
  });

  it("injects 21610, 20429 and 500 on the next creates", async () => {
    const client = createTwilioClient(tw.apiBase, ACCOUNT, TOKEN);
    tw.failNext(1, 21610);
    tw.failNext(1, 20429);
    tw.failNext(1, 500);
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).rejects.toMatchObject({
      status: 400,
      code: 21610,
    });
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).rejects.toMatchObject({
      status: 429,
      code: 20429,
    });
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).rejects.toMatchObject({
      status: 500,
    });
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).resolves.toMatchObject({
      status: "queued",
    });
  });

  it("posts signed status callbacks queued, sent, delivered, and undelivered with 30007", async () => {
    const client = createTwilioClient(tw.apiBase, ACCOUNT, TOKEN);
    const callback = `${PUBLIC}/webhooks/twilio/status`;
    const ok = await client.messages.create({ to: USER, from: FROM, body: "fine", statusCallback: callback });
    tw.failNext(1, 30007);
    const filtered = await client.messages.create({
      to: USER,
      from: FROM,
      body: "spam?",
      statusCallback: callback,
    });
    expect(filtered.status).toBe("queued");
    await tw.settled();

    const statuses = (sid: string): string[] =>
      receiver.received.filter((r) => r.params.MessageSid === sid).map((r) => r.params.MessageStatus ?? "");
    expect(statuses(ok.sid)).toEqual(["queued", "sent", "delivered"]);
    expect(statuses(filtered.sid)).toEqual(["queued", "sent", "undelivered"]);
    const last = receiver.received.find((r) => r.params.MessageSid === filtered.sid && r.params.ErrorCode);
    expect(last?.params).toMatchObject({
      ErrorCode: "30007",
      AccountSid: ACCOUNT,
      From: FROM,
      To: USER,
      ApiVersion: "2010-04-01",
    });
    expect(receiver.received.every((r) => r.valid && r.path === "/webhooks/twilio/status")).toBe(true);
    expect(tw.callbacks().every((c) => c.status === 200)).toBe(true);
    expect((await client.messages(filtered.sid).fetch()).errorCode).toBe(30007);
  });

  it("never calls a non-loopback host: an unmapped public callback is recorded as refused", async () => {
    const client = createTwilioClient(tw.apiBase, ACCOUNT, TOKEN);
    await client.messages.create({
      to: USER,
      from: FROM,
      body: "x",
      statusCallback: "https://elsewhere.example.net/status",
    });
    await tw.settled();
    expect(tw.callbacks().map((c) => c.error)).toEqual([
      expect.stringMatching(/non-loopback/),
      expect.stringMatching(/non-loopback/),
      expect.stringMatching(/non-loopback/),
    ]);
  });

  it("enforces segments per second per sending number", async () => {
    let now = 1_000_000;
    const limited = await startTwilioStandIn({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      segmentsPerSecond: 1,
      clock: () => now,
    });
    try {
      const client = createTwilioClient(limited.apiBase, ACCOUNT, TOKEN);
      await client.messages.create({ to: USER, from: FROM, body: "one" });
      await expect(client.messages.create({ to: USER, from: FROM, body: "two" })).rejects.toMatchObject({
        code: 20429,
      });
      await client.messages.create({ to: USER, from: "+15005550007", body: "other number" });
      now += 1000;
      await client.messages.create({ to: USER, from: FROM, body: "three" });
      expect(limited.messagesTo(USER)).toHaveLength(3);
    } finally {
      await limited.close();
    }
  });

  it("simulates incoming SMS signed for the public URL, with Advanced Opt-Out fields", async () => {
    const hello = await tw.smsFromUser(USER, "Bonjour");
    expect(hello.status).toBe(200);
    const got = receiver.received[0];
    expect(got?.valid).toBe(true);
    expect(got?.path).toBe("/webhooks/twilio/sms");
    expect(got?.params).toMatchObject({
      From: USER,
      To: FROM,
      Body: "Bonjour",
      NumMedia: "0",
      NumSegments: "1",
      SmsStatus: "received",
      ApiVersion: "2010-04-01",
      AccountSid: ACCOUNT,
      FromCountry: "FR",
    });
    expect(got?.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(got?.params.SmsSid).toBe(got?.params.MessageSid);
    expect(got?.params.OptOutType).toBeUndefined();

    const stop = await tw.smsFromUser(USER, " stop ");
    expect(stop.params.OptOutType).toBe("STOP");
    const client = createTwilioClient(tw.apiBase, ACCOUNT, TOKEN);
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).rejects.toMatchObject({
      code: 21610,
    });
    expect((await tw.smsFromUser(USER, "START")).params.OptOutType).toBe("START");
    expect((await tw.smsFromUser(USER, "help")).params.OptOutType).toBe("HELP");
    await expect(client.messages.create({ to: USER, from: FROM, body: "x" })).resolves.toBeDefined();
  });

  it("can tamper with incoming webhooks so the receiver refuses them", async () => {
    for (const tamper of ["body-after-signing", "wrong-host", "http-scheme", "missing-signature"] as const) {
      const result = await tw.smsFromUser(USER, "hello", { tamper });
      expect(result.status, tamper).toBe(403);
    }
    const replay = await tw.smsFromUser(USER, "again", { messageSid: `SM${"a".repeat(32)}` });
    expect(replay.status).toBe(200);
    expect(replay.params.MessageSid).toBe(`SM${"a".repeat(32)}`);
  });
});
