import { createServer } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { measureSms } from "../../../bots/sms/render.js";
import { createSmsSender } from "../../../bots/sms/sender.js";
import { SendError } from "../../../queues/channel-sender.js";
import type { Reply } from "../../../src/intake/messages.js";
import { startTwilioStandIn, type TwilioStandIn } from "../../../stand-ins/twilio-api.js";

const ACCOUNT = `AC${"fedcba9876543210".repeat(2)}`;
const TOKEN = "sender-test-token-0123456789abcd";
const FROM = "+15005550006";
const USER = "+33612349876";
const STATUS_URL = "https://intake.example.org/webhooks/twilio/status";

const short: Reply = {
  text: "Are you in danger right now?",
  lang: "en",
  choices: {
    stepId: "d",
    mode: "single",
    options: [
      { id: "y", label: "Yes" },
      { id: "n", label: "No" },
    ],
  },
};
const long: Reply = {
  text: Array.from(
    { length: 14 },
    (_, i) => `Canary sentence ${i + 1} of a long notice to the defender.`,
  ).join(" "),
  lang: "en",
};

async function sendError(promise: Promise<unknown>): Promise<SendError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SendError) return err;
    throw err;
  }
  throw new Error("expected a SendError");
}

describe("SMS sender against the Twilio stand-in", () => {
  let tw: TwilioStandIn;
  let sender: ReturnType<typeof createSmsSender>;
  beforeAll(async () => {
    tw = await startTwilioStandIn({ accountSid: ACCOUNT, authToken: TOKEN, phoneNumber: FROM });
    sender = createSmsSender({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: FROM,
      apiBase: tw.apiBase,
      statusCallbackUrl: STATUS_URL,
    });
  });
  afterAll(() => tw.close());
  beforeEach(() => tw.reset());

  it("sends a short reply as one numbered SMS from our number, with the status callback", async () => {
    expect(await sender.send(USER, short)).toEqual({ messageIds: [] });
    const [sent] = tw.messagesTo(USER);
    expect(sent?.resource.body).toBe("Are you in danger right now?\n1 Yes\n2 No");
    expect(sent?.resource.from).toBe(FROM);
    expect(sent?.statusCallback).toBe(STATUS_URL);
    expect(sender.cost(short)).toBe(1);
  });

  it("sends a long reply as ordered parts split at sentences; cost = the segments Twilio counted", async () => {
    await sender.send(USER, long);
    const sent = tw.messagesTo(USER).map((m) => m.resource);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.map((m) => m.body).join(" ")).toBe(long.text);
    for (const m of sent) {
      expect(Number(m.num_segments)).toBeLessThanOrEqual(2);
      expect(m.body).toMatch(/^Canary sentence \d+ .*\.$/);
      expect(measureSms(m.body).segments).toBe(Number(m.num_segments));
    }
    expect(sender.cost(long)).toBe(sent.reduce((n, m) => n + Number(m.num_segments), 0));
  });

  it("uses a Messaging Service SID when TWILIO_FROM is one", async () => {
    const mg = createSmsSender({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: `MG${"a".repeat(32)}`,
      apiBase: tw.apiBase,
    });
    await mg.send(USER, short);
    expect(tw.messagesTo(USER)[0]?.resource.messaging_service_sid).toBe(`MG${"a".repeat(32)}`);
  });

  it.each([
    [21610, "blocked", "21610"],
    [20429, "rate-limited", "20429"],
    [500, "transient", "20500"],
  ] as const)("Twilio %i → %s", async (fault, kind, code) => {
    tw.failNext(1, fault);
    const err = await sendError(sender.send(USER, short));
    expect(err.kind).toBe(kind);
    expect(err.code).toBe(code);
    if (kind === "rate-limited") expect(err.retryAfterMs).toBe(1000);
    expect(err.message).not.toContain(USER);
    expect(err.message).not.toContain("danger");
  });

  it("the stand-in's segment rate (20429) is rate-limited, then sending works again", async () => {
    const paced = await startTwilioStandIn({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      phoneNumber: FROM,
      segmentsPerSecond: 1,
      segmentBurst: 1,
    });
    try {
      const s = createSmsSender({
        accountSid: ACCOUNT,
        authToken: TOKEN,
        from: FROM,
        apiBase: paced.apiBase,
      });
      await s.send(USER, short);
      const err = await sendError(s.send(USER, short));
      expect(err.kind).toBe("rate-limited");
      let sent = false;
      for (let attempt = 0; attempt < 50 && !sent; attempt++) {
        await new Promise((r) => setTimeout(r, 100));
        sent = await s.send(USER, short).then(
          () => true,
          (e: unknown) => {
            if (!(e instanceof SendError) || e.kind !== "rate-limited") throw e;
            return false;
          },
        );
      }
      expect(sent).toBe(true);
    } finally {
      await paced.close();
    }
  });

  it("a delivery failure (30007) is not a send error: it arrives by status callback", async () => {
    tw.failNext(1, 30007);
    await sender.send(USER, short);
    expect(tw.messagesTo(USER)).toHaveLength(1);
  });

  it("an invalid number is permanent; an unreachable API is transient; neither names the number", async () => {
    const bad = await sendError(sender.send("+1", short));
    expect(bad.kind).toBe("permanent");
    expect(bad.code).toBe("21211");
    expect(bad.message).not.toContain("+1");

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = createSmsSender({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: FROM,
      apiBase: `http://127.0.0.1:${port}`,
    });
    const err = await sendError(down.send(USER, short));
    expect(err.kind).toBe("transient");
    expect(err.message).not.toContain(USER);
  });

  it("a 429 with Retry-After is rate-limited for that long", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
      res.end(JSON.stringify({ code: 20429, message: "Too Many Requests", status: 429 }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const s = createSmsSender({
        accountSid: ACCOUNT,
        authToken: TOKEN,
        from: FROM,
        apiBase: `http://127.0.0.1:${port}`,
      });
      const err = await sendError(s.send(USER, short));
      expect(err.kind).toBe("rate-limited");
      expect(err.code).toBe("20429");
      expect(err.retryAfterMs).toBe(7000);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("wrong credentials are permanent (401), not retried forever", async () => {
    const wrong = createSmsSender({
      accountSid: ACCOUNT,
      authToken: "wrong-token",
      from: FROM,
      apiBase: tw.apiBase,
    });
    const err = await sendError(wrong.send(USER, short));
    expect(err.kind).toBe("permanent");
    expect(err.code).toBe("20003");
  });
});
