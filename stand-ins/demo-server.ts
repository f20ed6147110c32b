/**
 * `npm run demo`'s stand-in process: the Telegram Bot API and Twilio stand-ins on fixed local ports, the
 * simulator page at `/simulator` on the Telegram port, and (with `--seed N`) N fictional intakes driven
 * through the same signed webhooks. It reads the same variables as `intake all` (PORT, PUBLIC_BASE_URL,
 * TELEGRAM_*, TWILIO_*) so both sides agree on secrets and URLs. It is a separate process on purpose: the
 * simulator is never served by `intake` itself, so production code has no demo surface.
 *
 *   node --import tsx stand-ins/demo-server.ts [--telegram-port 3101] [--twilio-port 3102] [--seed N]
 *
 * Prints one line `demo-server: ready {json}` once listening; stops on SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { seedIntakes } from "./simulator/seed.js";
import { startDemoStandIns } from "./simulator/server.js";
import { DEFAULT_TELEGRAM_TOKEN } from "./telegram-bot-api.js";

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`${name}: expected a TCP port, got ${value}`);
  return n;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`demo-server: ${name} is not set (npm run demo sets it)`);
  return value;
}

async function waitForReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "telegram-port": { type: "string" },
      "twilio-port": { type: "string" },
      seed: { type: "string" },
    },
    strict: true,
  });
  const env = process.env;
  const intakePort = port(env.PORT, 3000, "PORT");
  const intakeUrl = `http://127.0.0.1:${intakePort}`;
  const publicBaseUrl = env.PUBLIC_BASE_URL ?? intakeUrl;
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 200) throw new Error("--seed: expected 0 to 200");

  const demo = await startDemoStandIns({
    telegramPort: port(values["telegram-port"], 3101, "--telegram-port"),
    twilioPort: port(values["twilio-port"], 3102, "--twilio-port"),
    intakeUrl,
    publicBaseUrl,
    telegramToken: env.TELEGRAM_BOT_TOKEN ?? DEFAULT_TELEGRAM_TOKEN,
    telegramSecret: required(env, "TELEGRAM_WEBHOOK_SECRET"),
    twilioAccountSid: required(env, "TWILIO_ACCOUNT_SID"),
    twilioAuthToken: required(env, "TWILIO_AUTH_TOKEN"),
    twilioFrom: required(env, "TWILIO_FROM"),
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdout.write(
    `demo-server: ready ${JSON.stringify({
      simulatorUrl: demo.simulatorUrl,
      telegramApiRoot: demo.telegramApiRoot,
      twilioApiBase: demo.twilioApiBase,
    })}\n`,
  );

  if (seed > 0) {
    if (!(await waitForReady(`${intakeUrl}/readyz`, 60_000))) {
      process.stdout.write("demo-server: intake did not become ready; not seeding\n");
      return;
    }
    const started = Date.now();
    const result = await seedIntakes(demo, seed, {
      onProgress: (line) => process.stdout.write(`demo-server: ${line}\n`),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `demo-server: seeded ${result.completed} of ${seed} fictional requests in ${seconds} s` +
        (result.failed > 0 ? ` (${result.failed} did not finish; see the simulator)` : "") +
        "\n",
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
