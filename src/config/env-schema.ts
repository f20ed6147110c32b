import { z } from "zod";

/**
 * Every environment variable the service reads, with its default and what it expects.
 * Empty strings count as unset. `.env.example` and the README list these same names (a test keeps them in step).
 * Secrets are marked so that no problem report ever echoes their value.
 */
const optionalString = z.string().optional();

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1" || v === "yes"));

const positiveInt = (fallback: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1 || n > max) {
        ctx.addIssue({ code: "custom", message: `expected a whole number from 1 to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const positiveNumber = (fallback: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > max) {
        ctx.addIssue({ code: "custom", message: `expected a number above 0 and at most ${max}` });
        return z.NEVER;
      }
      return n;
    });

const url = (message: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol.length > 0;
    } catch {
      return false;
    }
  }, message);

export const envSchema = z.object({
  INTAKE_MODE: z.enum(["demo", "production"], { error: "expected demo or production" }).default("production"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return 3000;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 65535) {
        ctx.addIssue({ code: "custom", message: "expected a TCP port from 0 to 65535 (0 picks a free one)" });
        return z.NEVER;
      }
      return n;
    }),
  TRUST_PROXY: z
    .string()
    .regex(
      /^\s*[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*\s*$/,
      "expected the TLS proxy's addresses or CIDRs, comma-separated (e.g. 127.0.0.1,10.0.0.0/8)",
    )
    .optional(),
  PUBLIC_BASE_URL: url("expected an absolute URL such as https://intake.example.org").optional(),
  REDIS_URL: url("expected a redis:// or rediss:// URL").default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, "expected 1-40 letters, digits, _ or -")
    .default("intake"),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/.+/, "expected a mongodb:// or mongodb+srv:// URI")
    .default("mongodb://127.0.0.1:27017/intake"),
  KEYSTORE_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/.+/, "expected a mongodb:// or mongodb+srv:// URI")
    .optional(),
  KEYSTORE_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,60}$/, "expected a database name (letters, digits, _ or -)")
    .optional(),
  KEYS_DIR: optionalString,
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, "expected a bot token from @BotFather (digits:letters)")
    .optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, "expected 1-256 characters A-Z, a-z, 0-9, _ or - (Telegram's rule)")
    .optional(),
  TELEGRAM_API_ROOT: url("expected the Bot API root URL").default("https://api.telegram.org"),
  TELEGRAM_MODE: z.enum(["webhook", "polling"], { error: "expected webhook or polling" }).default("webhook"),
  TELEGRAM_RATE_PER_SECOND: positiveNumber(25, 1000),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, "expected AC followed by 32 hex digits")
    .optional(),
  TWILIO_AUTH_TOKEN: z
    .string()
    .regex(/^[0-9a-zA-Z]{16,64}$/, "expected the account's auth token (letters and digits)")
    .optional(),
  TWILIO_FROM: z
    .string()
    .regex(
      /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/,
      "expected an E.164 number (+15005550006) or an MG… service SID",
    )
    .optional(),
  TWILIO_API_BASE: url("expected the Twilio REST API base URL").default("https://api.twilio.com"),
  TWILIO_SEGMENTS_PER_SECOND: positiveNumber(1, 1000),
  TWILIO_DELETE_AFTER_INGEST: bool(false),
  CONVERSATION_TTL_HOURS: positiveInt(72, 24 * 30),
  RATE_PER_SENDER_PER_MINUTE: positiveInt(30, 10_000),
  INTAKES_PER_SENDER_PER_DAY: positiveInt(3, 1000),
  RATE_GLOBAL_PER_SECOND: positiveInt(300, 100_000),
  RETENTION_DAYS: positiveInt(90, 3650),
  LOOKUP_EPOCH_DAYS: positiveInt(30, 3650),
  METRICS_TOKEN: z
    .string()
    .regex(
      /^[A-Za-z0-9._~+/=-]{32,256}$/,
      "expected 32-256 characters of a random token (e.g. openssl rand -hex 32)",
    )
    .optional(),
  METRICS_HOST: z.string().default("127.0.0.1"),
  METRICS_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 65535) {
        ctx.addIssue({ code: "custom", message: "expected a TCP port from 0 to 65535 (0 picks a free one)" });
        return z.NEVER;
      }
      return n;
    }),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "expected one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
});

export type Env = z.output<typeof envSchema>;

/** Variables whose values are secrets: never echoed in a problem report. */
export const secretVariables: ReadonlySet<string> = new Set([
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "TWILIO_AUTH_TOKEN",
]);

/** Names of all variables the service reads, for docs and for the test that keeps them in step. */
export const envVariableNames: readonly string[] = Object.keys(envSchema.shape);
