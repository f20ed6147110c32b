import { isAbsolute, relative, resolve } from "node:path";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { type Env, envSchema } from "./env-schema.js";
import { projectRoot } from "./project-root.js";

/** The validated, frozen configuration every role is built from. */
export interface Config {
  readonly mode: "demo" | "production";
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicBaseUrl: string;
    /** TLS proxy addresses whose X-Forwarded-For is believed (TRUST_PROXY); empty: none. */
    readonly trustProxy: readonly string[];
  };
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly mongo: {
    readonly uri: string;
    /** The erasure key store (KEYSTORE_URI, KEYSTORE_DB); unset parts default to `<db>_keys` on `uri`. */
    readonly keyStore: { readonly uri?: string; readonly dbName?: string };
  };
  readonly keysDir: string;
  /**
   * `/metrics`: on its own listener when `port` is set (the public one then has none), behind a bearer
   * token when `token` is set, and on the public listener without a token only in demo mode.
   */
  readonly metrics: { readonly token?: string; readonly host: string; readonly port?: number };
  readonly telegram:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly token: string;
        readonly webhookSecret: string;
        readonly apiRoot: string;
        readonly mode: "webhook" | "polling";
        readonly ratePerSecond: number;
      };
  readonly twilio:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly accountSid: string;
        readonly authToken: string;
        readonly from: string;
        readonly apiBase: string;
        readonly segmentsPerSecond: number;
        readonly deleteAfterIngest: boolean;
      };
  readonly conversationTtlHours: number;
  readonly limits: {
    readonly perSenderPerMinute: number;
    readonly intakesPerSenderPerDay: number;
    readonly globalPerSecond: number;
  };
  readonly retentionDays: number;
  /** Days per lookup-key epoch: sender hashes older than two epochs can no longer be linked (docs/security.md). */
  readonly lookupEpochDays: number;
  readonly logLevel: Env["LOG_LEVEL"];
}

/**
 * Validates `env` once and returns a deeply frozen Config, or throws a ConfigError listing every problem.
 * This module (with env-schema.ts) is the only place that knows variable names; the composition roots pass
 * `process.env` in, nothing else reads it.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== "") cleaned[k] = v.trim();

  const problems: ConfigProblem[] = crossFieldProblems(cleaned);
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.unshift({ variable: String(issue.path[0] ?? "(environment)"), message: issue.message });
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(dedupe(problems));
  const e = parsed.data;

  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, "");
  const keysDir = resolve(e.KEYS_DIR ?? resolve(projectRoot, ".data", "keys"));
  const telegram: Config["telegram"] = e.TELEGRAM_BOT_TOKEN
    ? {
        enabled: true,
        token: e.TELEGRAM_BOT_TOKEN,
        webhookSecret: e.TELEGRAM_WEBHOOK_SECRET ?? "",
        apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
        mode: e.TELEGRAM_MODE,
        ratePerSecond: e.TELEGRAM_RATE_PER_SECOND,
      }
    : { enabled: false };
  const twilio: Config["twilio"] = e.TWILIO_ACCOUNT_SID
    ? {
        enabled: true,
        accountSid: e.TWILIO_ACCOUNT_SID,
        authToken: e.TWILIO_AUTH_TOKEN ?? "",
        from: e.TWILIO_FROM ?? "",
        apiBase: e.TWILIO_API_BASE.replace(/\/+$/, ""),
        segmentsPerSecond: e.TWILIO_SEGMENTS_PER_SECOND,
        deleteAfterIngest: e.TWILIO_DELETE_AFTER_INGEST,
      }
    : { enabled: false };

  return deepFreeze({
    mode: e.INTAKE_MODE,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicBaseUrl,
      trustProxy: (e.TRUST_PROXY ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    mongo: {
      uri: e.MONGODB_URI,
      keyStore: {
        ...(e.KEYSTORE_URI ? { uri: e.KEYSTORE_URI } : {}),
        ...(e.KEYSTORE_DB ? { dbName: e.KEYSTORE_DB } : {}),
      },
    },
    keysDir,
    metrics: {
      host: e.METRICS_HOST,
      ...(e.METRICS_TOKEN ? { token: e.METRICS_TOKEN } : {}),
      ...(e.METRICS_PORT !== undefined ? { port: e.METRICS_PORT } : {}),
    },
    telegram,
    twilio,
    conversationTtlHours: e.CONVERSATION_TTL_HOURS,
    limits: {
      perSenderPerMinute: e.RATE_PER_SENDER_PER_MINUTE,
      intakesPerSenderPerDay: e.INTAKES_PER_SENDER_PER_DAY,
      globalPerSecond: e.RATE_GLOBAL_PER_SECOND,
    },
    retentionDays: e.RETENTION_DAYS,
    lookupEpochDays: e.LOOKUP_EPOCH_DAYS,
    logLevel: e.LOG_LEVEL,
  });
}

/**
 * Rules that involve more than one variable, or that production mode adds. They read the raw strings so
 * that they are reported together with the per-variable problems.
 */
function crossFieldProblems(env: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const production = (env.INTAKE_MODE ?? "production") === "production";
  if (production) {
    if (!env.PUBLIC_BASE_URL) {
      problems.push({
        variable: "PUBLIC_BASE_URL",
        message: "required in production: the https URL the proxy serves",
      });
    } else if (!env.PUBLIC_BASE_URL.startsWith("https://")) {
      problems.push({ variable: "PUBLIC_BASE_URL", message: "must start with https:// in production" });
    }
    const keysDir = resolve(env.KEYS_DIR ?? resolve(projectRoot, ".data", "keys"));
    if (isInside(projectRoot, keysDir)) {
      problems.push({
        variable: "KEYS_DIR",
        message:
          "must be set to a directory outside the code checkout in production (for example /etc/intake/keys)",
      });
    }
  }
  if (env.TELEGRAM_BOT_TOKEN) {
    if (!env.TELEGRAM_WEBHOOK_SECRET) {
      problems.push({
        variable: "TELEGRAM_WEBHOOK_SECRET",
        message: "required when TELEGRAM_BOT_TOKEN is set (without it anyone could post fake updates)",
      });
    } else if (production && env.TELEGRAM_WEBHOOK_SECRET.length < 32) {
      problems.push({
        variable: "TELEGRAM_WEBHOOK_SECRET",
        message: "must be at least 32 characters in production",
      });
    }
  } else if (env.TELEGRAM_WEBHOOK_SECRET) {
    problems.push({
      variable: "TELEGRAM_BOT_TOKEN",
      message: "required when TELEGRAM_WEBHOOK_SECRET is set",
    });
  }
  if (env.TWILIO_ACCOUNT_SID || env.TWILIO_AUTH_TOKEN || env.TWILIO_FROM) {
    for (const name of ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"]) {
      if (!env[name]) problems.push({ variable: name, message: "required when any TWILIO_ variable is set" });
    }
  }
  if (production && env.TELEGRAM_MODE === "polling") {
    problems.push({
      variable: "TELEGRAM_MODE",
      message: "polling is for local development; use webhook in production",
    });
  }
  return problems;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.variable}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
