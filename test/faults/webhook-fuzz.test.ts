/**
 * Property-based abuse of both webhooks through the real server (`intake all` over HTTP on loopback):
 * malformed JSON and forms, huge bodies, invalid UTF-8, deep nesting, wrong content types, missing or garbled
 * signatures. Every such request is refused with a 4xx (never a 5xx), the server keeps answering, and nothing
 * is stored. "Nothing stored" is precise: no new Redis key under this file's prefix (not even a rate counter:
 * a refused request is refused before the ingress counts it) and no MongoDB document.
 * A request with a VALID secret or signature and a well-formed but odd payload must never answer 5xx either.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_BASE_URL, startPipeline, TELEGRAM_SECRET } from "../support/pipeline.js";

const pipeline = await startPipeline();
const base = pipeline.app.address;
const TELEGRAM = "/webhooks/telegram";
const SMS = "/webhooks/twilio/sms";
const STATUS = "/webhooks/twilio/status";
const RUNS = 120;

interface Sent {
  readonly status: number;
  readonly body: string;
}

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Sent> {
  const payload = typeof body === "string" ? body : Buffer.from(body);
  const response = await fetch(`${base}${path}`, { method: "POST", body: payload, headers });
  return { status: response.status, body: await response.text() };
}

/** Keys present before the abuse: BullMQ queue metadata, the maintenance scheduler. */
let before = new Set<string>();

/**
 * Keys written since the snapshot, except BullMQ's own housekeeping marker (`<queue>:stalled-check`, a
 * short-lived key each worker sets on its stalled-job timer), which holds no data.
 */
async function newKeys(): Promise<string[]> {
  return (await pipeline.redis.keys()).filter((k) => !before.has(k) && !k.endsWith(":stalled-check")).sort();
}

async function mongoDocuments(): Promise<number> {
  const client = await pipeline.mongo.client();
  const db = client.db(pipeline.mongo.dbName);
  let total = 0;
  for (const { name } of await db.listCollections().toArray()) {
    total += await db.collection(name).countDocuments({});
  }
  return total;
}

async function healthy(): Promise<boolean> {
  const response = await fetch(`${base}/healthz`);
  return response.status === 200;
}

// ---- generators of hostile bodies ----

const invalidUtf8 = fc
  .uint8Array({ minLength: 1, maxLength: 256 })
  .map((bytes) => Uint8Array.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, ...bytes]));

const deepJson = fc
  .integer({ min: 100, max: 20_000 })
  .chain((depth) =>
    fc.constantFrom(
      `${"[".repeat(depth)}${"]".repeat(depth)}`,
      `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      `{"update_id":1,"message":${'{"x":'.repeat(depth)}0${"}".repeat(depth)}}`,
    ),
  );

const malformedJson = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom("{", "}", "[", '{"update_id":', "null", "1e999999", '"', "{'a':1}", "\u0000", ""),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
);

const hugeBody = fc
  .integer({ min: 200_000, max: 1_200_000 })
  .map((n) => `{"update_id":1,"message":{"text":"${"A".repeat(n)}"}}`);

const formish = fc.oneof(
  fc
    .dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 }))
    .map((d) => new URLSearchParams(d).toString()),
  fc.string({ maxLength: 300 }),
  fc.constantFrom("%", "%%%", "a=%ZZ", "Body=%C3%28", "=&=&=", "a[b][c][d]=1", "From=&To=&Body="),
);

const body = fc.oneof(invalidUtf8, deepJson, malformedJson, formish, fc.json(), fc.constant(""));

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "text/plain",
  "text/xml",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/json; charset=latin1",
  "garbage/",
  "",
);

const telegramSecret = fc.oneof(
  fc.constant(undefined),
  fc.constant(""),
  fc.constant(`${TELEGRAM_SECRET}x`),
  fc.constant(TELEGRAM_SECRET.slice(0, -1)),
  fc.string({ maxLength: 80 }).filter((s) => s !== TELEGRAM_SECRET && /^[\x20-\x7e]*$/.test(s)),
);

const twilioSignature = fc.oneof(
  fc.constant(undefined),
  fc.constant(""),
  fc.base64String({ minLength: 4, maxLength: 44 }),
  fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
);

function headersFor(type: string, extra: Record<string, string | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (type) headers["content-type"] = type;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) headers[k] = v;
  return headers;
}

function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}

describe("hostile requests to the webhooks", () => {
  beforeAll(async () => {
    // The maintenance scheduler and queue metadata are written at start; wait until they are there.
    await new Promise((r) => setTimeout(r, 500));
    before = new Set(await pipeline.redis.keys());
  });

  it("Telegram: malformed bodies with a missing or wrong secret are a 4xx and store nothing", async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, telegramSecret, async (payload, type, secret) => {
        const r = await post(
          TELEGRAM,
          payload,
          headersFor(type, { "x-telegram-bot-api-secret-token": secret }),
        );
        expect(isClientError(r.status), `status ${r.status}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect(await healthy()).toBe(true);
    expect(await newKeys()).toEqual([]);
    expect(await mongoDocuments()).toBe(0);
  }, 80_000);

  it("Telegram: huge bodies are refused before anything is read into the ingress", async () => {
    await fc.assert(
      fc.asyncProperty(hugeBody, telegramSecret, async (payload, secret) => {
        const r = await post(
          TELEGRAM,
          payload,
          headersFor("application/json", { "x-telegram-bot-api-secret-token": secret ?? TELEGRAM_SECRET }),
        );
        expect(r.status).toBe(413);
      }),
      { numRuns: 10 },
    );
    expect(await newKeys()).toEqual([]);
  }, 60_000);

  it("SMS and status callbacks: malformed forms with missing or garbled signatures are a 4xx and store nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(SMS, STATUS),
        fc.oneof(body, hugeBody),
        contentType,
        twilioSignature,
        async (path, payload, type, signature) => {
          const r = await post(path, payload, headersFor(type, { "x-twilio-signature": signature }));
          expect(isClientError(r.status), `status ${r.status}`).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await healthy()).toBe(true);
    expect(await newKeys()).toEqual([]);
    expect(await mongoDocuments()).toBe(0);
  }, 80_000);

  it("SMS: correctly signed but odd forms are never a 5xx and store no request", async () => {
    const field = fc.constantFrom(
      "MessageSid",
      "SmsSid",
      "From",
      "To",
      "Body",
      "NumMedia",
      "NumSegments",
      "AccountSid",
      "OptOutType",
      "MessagingServiceSid",
      "MediaUrl0",
      "MessageStatus",
      "ErrorCode",
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.constantFrom(
        "",
        "+",
        "+1",
        "+254711222333",
        "SM",
        `SM${"0".repeat(32)}`,
        "-1",
        "1e9",
        "\u0000",
        "STOP",
      ),
    );
    const form = fc.dictionary(field, value, { maxKeys: 10 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(SMS, STATUS), form, async (path, params) => {
        const signature = pipeline.twilio.sign(`${PUBLIC_BASE_URL}${path}`, params);
        const r = await post(path, new URLSearchParams(params).toString(), {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": signature,
        });
        expect(r.status, `status ${r.status}`).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    expect(await healthy()).toBe(true);
    expect(await mongoDocuments()).toBe(0);
  }, 80_000);

  it("Telegram: a valid secret with well-formed but odd Updates is never a 5xx and stores no request", async () => {
    // Shapes the Bot API can send (types as documented), in odd combinations: groups and channels, bots,
    // missing senders, edits, unknown update kinds, extreme ids, any Unicode, 4096-character texts, stray
    // entities, buttons with data we never rendered.
    const chatId = fc.oneof(fc.integer({ min: 1, max: 2 ** 52 }), fc.integer({ min: -(2 ** 52), max: -1 }));
    const user = fc.record({
      id: fc.integer({ min: 1, max: 2 ** 52 }),
      is_bot: fc.boolean(),
      first_name: fc.string({ unit: "grapheme", maxLength: 64 }),
      language_code: fc.constantFrom("en", "fr", "ar", "ru", "es", "zz", ""),
    });
    const chat = fc.record({
      id: chatId,
      type: fc.constantFrom("private", "group", "supergroup", "channel"),
    });
    const text = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.string({ unit: "grapheme", minLength: 4000, maxLength: 4096 }),
      fc.constantFrom(
        "/start",
        "/start ar",
        "/start ../../x",
        "/wipe",
        "/help@other_bot",
        "STOP",
        "\u200f\u202e",
        "",
      ),
    );
    const message = fc.record(
      {
        message_id: fc.nat(),
        date: fc.nat(),
        chat,
        from: user,
        text,
        entities: fc.array(
          fc.record({
            type: fc.constantFrom("bot_command", "url", "mention", "bold"),
            offset: fc.nat(5000),
            length: fc.nat(5000),
          }),
          { maxLength: 3 },
        ),
        photo: fc.array(
          fc.record({
            file_id: fc.string({ maxLength: 8 }),
            file_unique_id: fc.string({ maxLength: 8 }),
            width: fc.nat(),
            height: fc.nat(),
          }),
          { maxLength: 2 },
        ),
        voice: fc.record({
          file_id: fc.string({ maxLength: 8 }),
          file_unique_id: fc.string({ maxLength: 8 }),
          duration: fc.nat(),
        }),
        location: fc.record({
          latitude: fc.double({ min: -90, max: 90, noNaN: true }),
          longitude: fc.double({ min: -180, max: 180, noNaN: true }),
        }),
        caption: fc.string({ maxLength: 100 }),
      },
      { requiredKeys: ["message_id", "date", "chat"] },
    );
    const update = fc.oneof(
      fc.record({ update_id: fc.nat(), message }),
      fc.record({ update_id: fc.nat(), edited_message: message }),
      fc.record({ update_id: fc.nat(), channel_post: message }),
      fc.record({
        update_id: fc.nat(),
        callback_query: fc.record(
          {
            id: fc.string({ minLength: 1, maxLength: 20 }),
            from: user,
            chat_instance: fc.string({ maxLength: 10 }),
            data: fc.string({ maxLength: 64 }),
            message,
          },
          { requiredKeys: ["id", "from", "chat_instance"] },
        ),
      }),
      fc.record({ update_id: fc.nat(), my_chat_member: fc.record({ chat, from: user, date: fc.nat() }) }),
      fc.record({ update_id: fc.nat(), some_future_kind: fc.jsonValue() }),
    );
    await fc.assert(
      fc.asyncProperty(update, async (value) => {
        const r = await post(TELEGRAM, JSON.stringify(value), {
          "content-type": "application/json",
          "x-telegram-bot-api-secret-token": TELEGRAM_SECRET,
        });
        expect(r.status, `status ${r.status}`).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    expect(await healthy()).toBe(true);
    expect(await mongoDocuments()).toBe(0);
  }, 80_000);

  it("Telegram: a valid secret with JSON that is not an Update is a 4xx, never a 5xx, and stores nothing", async () => {
    // Only a holder of the secret can send these; the webhook checks the Update's shape (update-shape.ts)
    // before anything reads it. Some generated values are valid (empty) Updates: those are a 200.
    const notAnUpdate = fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.jsonValue(),
      fc.record({ update_id: fc.nat(), message: fc.oneof(fc.string(), fc.integer(), fc.constant({})) }),
      fc.record({ update_id: fc.nat(), callback_query: fc.oneof(fc.string(), fc.constant({})) }),
    );
    const beforeInbox = (await pipeline.redis.keys()).filter((k) => k.includes(":in:inbox:")).length;
    await fc.assert(
      fc.asyncProperty(notAnUpdate, async (value) => {
        const r = await post(TELEGRAM, JSON.stringify(value), {
          "content-type": "application/json",
          "x-telegram-bot-api-secret-token": TELEGRAM_SECRET,
        });
        expect(r.status, `status ${r.status}`).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    for (const value of [null, [], "x", { update_id: 1, message: "x" }, { update_id: 2, message: {} }]) {
      const r = await post(TELEGRAM, JSON.stringify(value), {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": TELEGRAM_SECRET,
      });
      expect(r.status).toBe(400);
    }
    expect(await healthy()).toBe(true);
    const afterInbox = (await pipeline.redis.keys()).filter((k) => k.includes(":in:inbox:")).length;
    expect(afterInbox).toBeLessThanOrEqual(beforeInbox);
    expect(await mongoDocuments()).toBe(0);
  }, 80_000);
});
