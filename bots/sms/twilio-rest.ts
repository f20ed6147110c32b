import twilio from "twilio";
import type BaseRequestClient from "twilio/lib/base/RequestClient.js";
import type * as ResponseModule from "twilio/lib/http/response.js";

type TwilioResponse<T> = ResponseModule.default<T>;

/** Twilio's own REST origin, with or without an edge/region (`api.dublin.ie1.twilio.com`). */
const TWILIO_ORIGIN = /^https:\/\/api(?:\.[a-z0-9-]+)*\.twilio\.com(?=\/|$)/;
const DEFAULT_BASE = "https://api.twilio.com";

/**
 * Twilio answered 429: carries the Retry-After it sent (the twilio client drops headers from its
 * RestException), and Twilio's error code when the body had one. No body text, no URL.
 */
export class TwilioRateLimited extends Error {
  override readonly name = "TwilioRateLimited";
  constructor(
    readonly code: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`twilio rate limited (${code})`);
  }
}

function retryAfterMs(headers: unknown): number | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const value = (headers as Record<string, unknown>)["retry-after"];
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string" && typeof text !== "number") return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(String(text));
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorCode(body: unknown): number | undefined {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const code = (parsed as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The twilio RequestClient we use: sends requests to `apiBase` when it is not Twilio's own (the
 * stand-in in tests and the demo), and turns a 429 into `TwilioRateLimited` with its Retry-After.
 * Everything else (auth, form encoding, RestException) is the official client's.
 */
export class SmsRequestClient extends twilio.RequestClient {
  private readonly apiBase: string | undefined;

  constructor(apiBase: string, timeoutMs = 15_000) {
    super({ timeout: timeoutMs });
    const base = apiBase.replace(/\/+$/, "");
    this.apiBase = base === DEFAULT_BASE ? undefined : base;
  }

  override async request<TData>(
    opts: BaseRequestClient.RequestOptions<TData>,
  ): Promise<TwilioResponse<TData>> {
    const uri = this.apiBase ? opts.uri.replace(TWILIO_ORIGIN, this.apiBase) : opts.uri;
    const response = await super.request({ ...opts, uri });
    if (response.statusCode === 429) {
      throw new TwilioRateLimited(errorCode(response.body) ?? 20429, retryAfterMs(response.headers));
    }
    return response;
  }
}

export interface TwilioRestOptions {
  accountSid: string;
  authToken: string;
  /** TWILIO_API_BASE: `https://api.twilio.com`, or the stand-in's base. */
  apiBase: string;
}

/**
 * The official twilio client for our account, pointed at `apiBase`. Its debug logging (which would
 * print request parameters) is pinned off whatever TWILIO_LOG_LEVEL says.
 */
export function createTwilioRest(options: TwilioRestOptions): twilio.Twilio {
  return twilio(options.accountSid, options.authToken, {
    httpClient: new SmsRequestClient(options.apiBase),
    logLevel: "warn",
    env: {},
  });
}
