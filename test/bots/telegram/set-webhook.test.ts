import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telegramSetWebhookCommand } from "../../../app/commands/telegram.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../../stand-ins/telegram-bot-api.js";

const SECRET = "set_webhook_secret_0123456789abcdefXYZ";

describe("intake telegram set-webhook", () => {
  let tg: TelegramStandIn;
  beforeAll(async () => {
    tg = await startTelegramStandIn();
  });
  afterAll(async () => {
    await tg.close();
  });

  async function run(args: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await telegramSetWebhookCommand.run({
      args,
      env: {
        INTAKE_MODE: "demo",
        PUBLIC_BASE_URL: "https://intake.example.org/",
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: tg.apiRoot,
        ...env,
      },
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      readStdin: async () => "",
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("registers the public URL with the secret, the two update types and max_connections", async () => {
    const { code, out } = await run([]);
    expect(code).toBe(0);
    expect(out).toContain("https://intake.example.org/webhooks/telegram");
    expect(out).not.toContain(SECRET);
    expect(tg.webhookInfo()).toEqual({
      url: "https://intake.example.org/webhooks/telegram",
      secret_token: SECRET,
      allowed_updates: ["message", "callback_query"],
      max_connections: 40,
    });
    const [call] = tg.calls("setWebhook");
    expect(call?.params.drop_pending_updates).toBe(false);
  });

  it("takes --max-connections and refuses bad values", async () => {
    expect((await run(["--max-connections", "12"])).code).toBe(0);
    expect(tg.webhookInfo()?.max_connections).toBe(12);
    expect((await run(["--max-connections", "500"])).code).toBe(2);
    expect((await run(["--bogus"])).code).toBe(2);
  });

  it("refuses without a token, and in polling mode", async () => {
    const noToken = await run([], { TELEGRAM_BOT_TOKEN: "", TELEGRAM_WEBHOOK_SECRET: "" });
    expect(noToken.code).toBe(2);
    const polling = await run([], { TELEGRAM_MODE: "polling" });
    expect(polling.code).toBe(2);
  });
});
