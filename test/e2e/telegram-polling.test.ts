import { describe, expect, it } from "vitest";
import { startPipeline } from "../support/pipeline.js";

// TELEGRAM_MODE=polling: the role feeds getUpdates into the same ingress (local development without a URL).
const pipeline = await startPipeline({ env: { TELEGRAM_MODE: "polling" } });

describe("Telegram long polling", () => {
  it("answers a defender whose updates arrive through getUpdates, not the webhook", async () => {
    const chat = 5_550_009_876;
    const delivery = await pipeline.telegram.userSends(chat, "hello");
    expect(delivery.status).toBeUndefined(); // queued for getUpdates, not POSTed
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && pipeline.telegram.messagesTo(chat).length === 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(pipeline.telegram.messagesTo(chat).length).toBeGreaterThan(0);
    expect(pipeline.telegram.calls("getUpdates").length).toBeGreaterThan(0);
  });
});
