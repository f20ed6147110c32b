/**
 * S2: the webhooks end to end over real HTTP (autocannon against the server `startRole` built), Telegram
 * with its secret header and SMS with a valid X-Twilio-Signature, a unique update_id / MessageSid and a new
 * sender per request (a crackdown: many defenders at once), against a bare route of the same server
 * (GET /healthz). Then p50/p99 at half of the measured peak.
 */
import { randomBytes } from "node:crypto";
import autocannon, { type AutocannonRequest } from "autocannon";
import { ingressKeys } from "../bots/ingress/redis-keys.js";
import { closeRedis, createRedis } from "../src/redis/connect.js";
import { type BenchResult, compareRounds, figure, median, type Section } from "./lib.js";
import {
  PUBLIC_BASE_URL,
  startService,
  TWILIO_ACCOUNT_SID,
  TWILIO_FROM,
  telegramUpdateRequest,
} from "./pipeline.js";
import { onCleanup } from "./support.js";

const SECTION = "S2 webhooks";
const CONNECTIONS = 16;
const PEAK_SECONDS = 2;
const LATENCY_SECONDS = 3;

export const webhooksSection: Section = {
  name: "webhooks",
  async run(ctx) {
    const results: BenchResult[] = [];
    // The `serve` role, as production deploys it: webhooks and the ingress; the workers run elsewhere.
    const service = await startService({ role: "serve" });
    const url = service.app.address;
    const counter = { next: 1 };
    const telegramRequest = telegramUpdateRequest(8_000_000_000, counter);
    const smsRequest: AutocannonRequest = {
      method: "POST",
      path: "/webhooks/twilio/sms",
      setupRequest(request) {
        const n = counter.next++;
        const sid = `SM${randomBytes(16).toString("hex")}`;
        const params: Record<string, string> = {
          MessageSid: sid,
          SmsSid: sid,
          SmsMessageSid: sid,
          AccountSid: TWILIO_ACCOUNT_SID,
          From: `+2547${String(10_000_000 + n).slice(-8)}`,
          To: TWILIO_FROM,
          Body: "hello",
          NumMedia: "0",
          NumSegments: "1",
          SmsStatus: "received",
          ApiVersion: "2010-04-01",
        };
        const signature = service.twilio.sign(`${PUBLIC_BASE_URL}/webhooks/twilio/sms`, params);
        return {
          ...request,
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
          body: new URLSearchParams(params).toString(),
        };
      },
    };
    const bare: AutocannonRequest = { method: "GET", path: "/healthz" };

    const failures = { telegram: 0, sms: 0 };
    // Five rounds (the minimum) rather than seven: each webhook round is followed by catching up on its
    // backlog (seconds), and the whole bench must stay under five minutes.
    const roundsCtx = { ...ctx, rounds: 5 };
    // Applies run in the background at a capped concurrency, so a burst leaves a backlog in Redis. Every
    // round waits (untimed) until it is applied, so no round pays for the previous one's work; the time
    // it took is reported as the end-to-end rate.
    const redis = createRedis(service.redisUrl, "app", "bench-webhooks");
    onCleanup(() => closeRedis(redis));
    const pendingKey = ingressKeys(service.prefix).pending;
    const caughtUp = async () => {
      while ((await redis.zcard(pendingKey)) > 0) await new Promise((done) => setTimeout(done, 20));
    };
    const endToEnd = { telegram: [] as number[], sms: [] as number[] };
    const backlog = { telegram: [] as number[], sms: [] as number[] };
    const peak = (request: AutocannonRequest, channel?: "telegram" | "sms") => async () => {
      const start = performance.now();
      const r = await autocannon({
        url,
        connections: CONNECTIONS,
        duration: PEAK_SECONDS,
        requests: [request],
      });
      const left = await redis.zcard(pendingKey);
      await caughtUp();
      if (channel) {
        failures[channel] += r.non2xx + r.errors + r.timeouts;
        backlog[channel].push(left);
        endToEnd[channel].push((r["2xx"] * 1000) / (performance.now() - start));
      }
      return r["2xx"] / PEAK_SECONDS;
    };
    const tg = await compareRounds(
      roundsCtx,
      SECTION,
      "Telegram webhook vs bare route",
      peak(bare),
      peak(telegramRequest, "telegram"),
      {
        a: "bare",
        b: "telegram",
      },
    );
    const sms = await compareRounds(
      roundsCtx,
      SECTION,
      "SMS webhook vs bare route",
      peak(bare),
      peak(smsRequest, "sms"),
      {
        a: "bare",
        b: "sms",
      },
    );
    results.push(tg.ratio, tg.a, tg.b, sms.ratio, sms.b);
    for (const channel of ["telegram", "sms"] as const) {
      results.push(
        figure(SECTION, `${channel}: senders still to apply when a round ends`, "count", backlog[channel]),
        figure(
          SECTION,
          `${channel}: end to end (acknowledged and applied) over round + catch-up`,
          "ops/s",
          endToEnd[channel],
          "each a new conversation: engine turn, encrypted state, sealed reply job",
        ),
      );
    }

    for (const [name, request, rounds] of [
      ["telegram", telegramRequest, tg.b.samples],
      ["sms", smsRequest, sms.b.samples],
    ] as const) {
      const rate = Math.max(1, Math.round(median(rounds) / 2));
      const p50: number[] = [];
      const p99: number[] = [];
      for (let r = 0; r < 3; r++) {
        ctx.progress(`${name} latency at ${rate}/s`, r, 3);
        const out = await autocannon({
          url,
          connections: CONNECTIONS,
          duration: LATENCY_SECONDS,
          overallRate: rate,
          requests: [request],
        });
        failures[name] += out.non2xx + out.errors + out.timeouts;
        await caughtUp();
        p50.push(out.latency.p50);
        p99.push(out.latency.p99);
      }
      results.push(
        figure(SECTION, `${name} p50 at half of peak (${rate}/s)`, "ms", p50),
        figure(SECTION, `${name} p99 at half of peak (${rate}/s)`, "ms", p99),
      );
    }
    results.push(
      figure(SECTION, "non-2xx or errors, Telegram", "count", [failures.telegram]),
      figure(SECTION, "non-2xx or errors, SMS", "count", [failures.sms]),
    );
    return results;
  },
};
