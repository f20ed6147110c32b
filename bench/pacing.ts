/**
 * S5: outbound pacing against stand-ins that enforce the providers' limits (Telegram: 30 messages/s
 * overall, 1/s per chat with a burst of 3; Twilio: segments per second per sending number) and inject 429s.
 * Many defenders write at once; each first turn's replies go out through the outbound queue. Measured: the
 * achieved send rate against the configured allowed rate, retry-after violations, and lost messages
 * (every defender must get the same complete first turn).
 */
import { type BenchResult, figure, pool, type Section } from "./lib.js";
import { startService } from "./pipeline.js";
import { until } from "./support.js";

const SECTION = "S5 pacing";
const TELEGRAM_ALLOWED = 25;
const SMS_ALLOWED = 10;
const TELEGRAM_USERS = 120;
const SMS_USERS = 30;

export const pacingSection: Section = {
  name: "pacing",
  async run(ctx) {
    const results: BenchResult[] = [];
    const service = await startService({
      env: {
        TELEGRAM_RATE_PER_SECOND: String(TELEGRAM_ALLOWED),
        TWILIO_SEGMENTS_PER_SECOND: String(SMS_ALLOWED),
      },
      telegramRateLimit: { globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3 },
      twilioSegmentsPerSecond: SMS_ALLOWED,
    });
    const { telegram, twilio } = service;
    const rounds = 2;
    const tgRatio: number[] = [];
    const smsRatio: number[] = [];
    let lost = 0;
    let violations = 0;
    let injected = 0;
    let smsNote = "";
    for (let r = 0; r < rounds; r++) {
      ctx.progress("Telegram at the stand-in's limits, 5% injected 429s", r, rounds);
      telegram.chaos({ probability: 0.05, retryAfter: 1, seed: 42 + r });
      const users = Array.from({ length: TELEGRAM_USERS }, (_, i) => 9_100_000_000 + r * 1000 + i);
      const sentBefore = telegram.calls("sendMessage").length;
      await pool(users, 32, (u) => telegram.userSends(u, "hello"));
      // Every defender's first turn is the same messages; wait for the first user's count at everyone.
      await until(() => telegram.messagesTo(users[0] ?? 0).length > 0, 30_000);
      await until(() => {
        const want = telegram.messagesTo(users[0] ?? 0).length;
        return users.every((u) => telegram.messagesTo(u).length >= want);
      }, 90_000);
      telegram.chaos(undefined);
      const calls = telegram.calls("sendMessage").slice(sentBefore);
      const ok = calls.filter((c) => c.ok);
      injected += calls.filter((c) => c.errorCode === 429).length;
      const span = ((ok.at(-1)?.time ?? 0) - (ok[0]?.time ?? 0)) / 1000;
      tgRatio.push(span > 0 ? (ok.length - 1) / span / TELEGRAM_ALLOWED : 0);
      const want = Math.max(...users.map((u) => telegram.messagesTo(u).length));
      lost += want === 0 ? users.length : users.filter((u) => telegram.messagesTo(u).length < want).length;

      ctx.progress("SMS at the stand-in's segment rate, injected 20429s", r, rounds);
      twilio.failNext(3, 20429);
      const phones = Array.from({ length: SMS_USERS }, (_, i) => `+2547330${r}${String(i).padStart(4, "0")}`);
      const smsBefore = twilio.messages().length;
      await pool(phones, 8, (p) => twilio.smsFromUser(p, "hello"));
      await until(() => twilio.messagesTo(phones[0] ?? "").length > 0, 30_000);
      await until(() => {
        const wantSms = twilio.messagesTo(phones[0] ?? "").length;
        return phones.every((p) => twilio.messagesTo(p).length >= wantSms);
      }, 90_000);
      const created = twilio
        .messages()
        .slice(smsBefore)
        .filter((m) => m.resource.direction === "outbound-api");
      const segments = created.reduce((sum, m) => sum + Number(m.resource.num_segments), 0);
      const smsSpan = ((created.at(-1)?.createdAt ?? 0) - (created[0]?.createdAt ?? 0)) / 1000;
      // The first message's segments are sent at the start of the span; count the rest over it.
      const firstSegments = Number(created[0]?.resource.num_segments ?? 0);
      smsNote = `${created.length} messages, ${segments} segments in ${smsSpan.toFixed(1)} s; ${twilio.messages().length - smsBefore} records`;
      smsRatio.push(smsSpan > 0 ? (segments - firstSegments) / smsSpan / SMS_ALLOWED : 0);
      const wantSms = Math.max(...phones.map((p) => twilio.messagesTo(p).length));
      lost +=
        wantSms === 0 ? phones.length : phones.filter((p) => twilio.messagesTo(p).length < wantSms).length;
    }
    violations = telegram.retryViolations().length;
    results.push(
      figure(
        SECTION,
        `Telegram achieved / allowed (${TELEGRAM_ALLOWED}/s)`,
        "ratio",
        tgRatio,
        `${TELEGRAM_USERS} chats a round`,
      ),
      figure(SECTION, `SMS segments achieved / allowed (${SMS_ALLOWED}/s)`, "ratio", smsRatio, smsNote),
      figure(SECTION, "429s injected by the Telegram stand-in", "count", [injected]),
      figure(SECTION, "sends before retry_after elapsed", "count", [violations]),
      figure(SECTION, "defenders missing part of their first turn (lost)", "count", [lost]),
    );
    return results;
  },
};
