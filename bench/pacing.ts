/**
 * S5: outbound pacing against stand-ins that enforce the providers' limits (Telegram: 30 messages/s
 * overall, 1/s per chat with a burst of 3; Twilio: segments per second per sending number) and inject 429s.
 * Many defenders write at once; each first turn's replies go out through the outbound queue. Measured: the
 * achieved send rate against the configured allowed rate, retry-after violations, and lost messages
 * (every defender must get the same complete first turn).
 */
import type { TelegramCall } from "../stand-ins/telegram-bot-api.js";
import { type BenchResult, figure, pool, type Section } from "./lib.js";
import { startService } from "./pipeline.js";
import { until } from "./support.js";

const SECTION = "S5 pacing";
const TELEGRAM_ALLOWED = 25;
/** The Telegram pacer's burst (`createPacer({ burst: 5 })` in app/wiring.ts): allowed at once after idling. */
const TELEGRAM_BURST = 5;
const SMS_ALLOWED = 10;
const TELEGRAM_USERS = 120;
const SMS_USERS = 30;

/** The shortest retry_after the stand-in gives (chaos: 1 s; its own limits: at least 1 s). */
const MIN_RETRY_AFTER_MS = 1000;

/**
 * Achieved / allowed for one round of Telegram sends, from the stand-in's call log. The window runs from the
 * first to the last successful send, minus the time in which no send was allowed at all: every chat still
 * owed a message was inside a retry_after the stand-in had given it (counted as the shortest possible,
 * 1 s, so the deduction is never larger than the provider's). A pacer cannot use those slots, and without
 * the deduction a 429 in the last second of a round caps the ratio near 0.85 for any sender that honours
 * retry_after. Chats not yet attempted count as sendable (their job may not even be queued yet), so the
 * ramp at the start and slow retries stay charged to us. Allowed in each paced stretch: the rate over its
 * length plus what may go at once at its start: the configured burst (the pacer was idle before it, so its
 * bucket is full), but no more than the chats owed a message then. A pacer that sends exactly what it may
 * scores 1.
 */
export function telegramPacing(
  calls: readonly TelegramCall[],
  allowedPerSecond: number,
  burst: number,
): { ratio: number; rawRatio: number; spanS: number; blockedS: number } {
  const chat = (c: TelegramCall) => Number(c.params.chat_id);
  const ok = calls.filter((c) => c.ok);
  const first = ok[0]?.time ?? 0;
  const last = ok.at(-1)?.time ?? 0;
  const span = last - first;
  if (ok.length < 2 || span <= 0) return { ratio: 0, rawRatio: 0, spanS: 0, blockedS: 0 };
  const lastOk = new Map<number, number>();
  for (const c of ok) lastOk.set(chat(c), Math.max(lastOk.get(chat(c)) ?? 0, c.time));
  const waits = calls
    .filter((c) => c.errorCode === 429)
    .map((c) => ({ chat: chat(c), from: c.time, to: c.time + MIN_RETRY_AFTER_MS }));
  const owedAt = (t: number) => [...lastOk].filter(([, doneAt]) => doneAt > t).map(([id]) => id);
  const blockedAt = (t: number) => {
    const owed = owedAt(t);
    return owed.length > 0 && owed.every((id) => waits.some((w) => w.chat === id && w.from <= t && t < w.to));
  };
  const points = [...new Set([...ok.map((c) => c.time), ...waits.flatMap((w) => [w.from, w.to])])]
    .filter((t) => t >= first && t <= last)
    .sort((a, b) => a - b);
  let blocked = 0;
  // What may go at once when a paced stretch starts: the burst, but no more than the chats owed a message.
  let atOnce = Math.min(burst, owedAt(first - 1).length);
  let inBlock = false;
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i] as number;
    const to = points[i + 1] as number;
    const isBlocked = blockedAt((from + to) / 2);
    if (isBlocked) blocked += to - from;
    else if (inBlock) atOnce += Math.min(burst, owedAt(from).length);
    inBlock = isBlocked;
  }
  if (inBlock) atOnce += 1;
  const paced = span - blocked;
  return {
    ratio: ok.length / ((paced / 1000) * allowedPerSecond + atOnce),
    rawRatio: (ok.length - 1) / (span / 1000) / allowedPerSecond,
    spanS: span / 1000,
    blockedS: blocked / 1000,
  };
}

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
    const tgRawRatio: number[] = [];
    const tgBlocked: string[] = [];
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
      injected += calls.filter((c) => c.errorCode === 429).length;
      const paced = telegramPacing(calls, TELEGRAM_ALLOWED, TELEGRAM_BURST);
      tgRatio.push(paced.ratio);
      tgRawRatio.push(paced.rawRatio);
      tgBlocked.push(`${paced.blockedS.toFixed(2)} of ${paced.spanS.toFixed(2)} s`);
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
        `${TELEGRAM_USERS} chats a round; not counted (all owed chats in retry_after): ${tgBlocked.join(", ")}`,
      ),
      figure(
        SECTION,
        `Telegram achieved / allowed (${TELEGRAM_ALLOWED}/s), whole span incl. retry_after tails`,
        "ratio",
        tgRawRatio,
        "first to last send; a late 429 caps this near 0.85 for any sender",
      ),
      figure(SECTION, `SMS segments achieved / allowed (${SMS_ALLOWED}/s)`, "ratio", smsRatio, smsNote),
      figure(SECTION, "429s injected by the Telegram stand-in", "count", [injected]),
      figure(SECTION, "sends before retry_after elapsed", "count", [violations]),
      figure(SECTION, "defenders missing part of their first turn (lost)", "count", [lost]),
    );
    return results;
  },
};
