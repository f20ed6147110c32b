/**
 * A flood from one sender through the real Telegram webhook (HTTP, secret header, the whole `intake all`)
 * is capped at RATE_PER_SENDER_PER_MINUTE, with one polite notice, while another sender writing at the same
 * time is answered turn by turn and never told to slow down. (The ingress test covers the same at the
 * ingress level; this one goes through HTTP, grammY and the outbound worker.)
 */
import { describe, expect, it } from "vitest";
import { startPipeline } from "../support/pipeline.js";
import { waitUntil } from "./support/own-redis.js";

const PER_MINUTE = 30;
const FLOOD = 100;
const pipeline = await startPipeline({ env: { RATE_PER_SENDER_PER_MINUTE: String(PER_MINUTE) } });
const { telegram } = pipeline;

/** The rate-limit notice (`rate-limited` in src/i18n/locales/*.ftl), in any language. */
const notice = /very fast|très vite|muy rápido|بسرعة كبيرة|очень быстро/;

function textsTo(chatId: number): string[] {
  return telegram.messagesTo(chatId).map((m) => m.text ?? "");
}

describe("one sender floods the Telegram webhook", () => {
  it("is capped with one notice while another sender is served normally", async () => {
    const flooder = 7_200_000_001;
    const other = 7_200_000_002;
    const floodStatuses: number[] = [];
    const flood = (async () => {
      const concurrency = 10;
      for (let i = 0; i < FLOOD; i += concurrency) {
        const batch = Array.from({ length: Math.min(concurrency, FLOOD - i) }, (_, j) =>
          telegram.userSends(flooder, `flood ${i + j}`),
        );
        for (const d of await Promise.all(batch)) floodStatuses.push(d.status ?? 0);
      }
    })();

    // The other defender writes during the flood and waits for each answer, as a person would.
    const otherStatuses: number[] = [];
    for (const text of ["hello", "1", "yes", "no", "hello again"]) {
      const before = textsTo(other).length;
      otherStatuses.push((await telegram.userSends(other, text)).status ?? 0);
      await waitUntil("the other sender's answer", () => textsTo(other).length > before, 30_000);
    }
    await flood;

    expect(otherStatuses).toEqual([200, 200, 200, 200, 200]);
    // Acknowledged (stored or counted and dropped), or over the global cap (429, Telegram redelivers).
    for (const status of floodStatuses) expect([200, 429]).toContain(status);
    expect(floodStatuses.filter((s) => s === 200).length).toBeGreaterThan(PER_MINUTE);

    // The notice reaches the flooder once per minute window: the flood may straddle one boundary.
    await waitUntil("the rate-limit notice", () => textsTo(flooder).some((t) => notice.test(t)), 30_000);
    const notices = textsTo(flooder).filter((t) => notice.test(t)).length;
    expect(notices).toBeGreaterThanOrEqual(1);
    expect(notices).toBeLessThanOrEqual(2);
    expect(textsTo(other).some((t) => notice.test(t))).toBe(false);

    // Capped: at most PER_MINUTE messages per window were stored; every other one was logged as limited.
    const limited = pipeline
      .logText()
      .split("\n")
      .filter((l) => l.includes('"ingress.sender_limited"')).length;
    const accepted = floodStatuses.filter((s) => s === 200).length;
    expect(limited).toBeGreaterThanOrEqual(accepted - 2 * (PER_MINUTE + 1));
  }, 85_000);
});
