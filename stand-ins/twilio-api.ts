/**
 * A local stand-in for Twilio's Programmable Messaging REST API (2010-04-01) and its webhooks, for tests and
 * the demo: Twilio cannot be reached from these machines. The official `twilio` client runs against it
 * (see `twilio-client.ts`). It records messages, injects Twilio's error codes, enforces a per-number segment
 * rate, sends signed status callbacks, and plays the defender's phone by posting signed incoming-SMS webhooks.
 * Never imported by production code.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import twilio from "twilio";
import {
  assertLoopback,
  closeServer,
  listenLoopback,
  parseForm,
  readBody,
  sendJson,
  TokenBucket,
  waitUntil,
} from "./http-util.js";

/** Twilio's Message resource as the REST API returns it (snake_case JSON). */
export interface TwilioMessageResource {
  account_sid: string;
  api_version: "2010-04-01";
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: "outbound-api" | "inbound";
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  sid: string;
  status: "accepted" | "queued" | "sending" | "sent" | "delivered" | "undelivered" | "failed" | "received";
  subresource_uris: { media: string };
  to: string;
  uri: string;
}

/** A message the stand-in accepted, with what it did with it. */
export interface TwilioRecordedMessage {
  resource: TwilioMessageResource;
  statusCallback?: string;
  createdAt: number;
  deleted: boolean;
}

/** One status callback the stand-in POSTed. */
export interface TwilioCallbackRecord {
  url: string;
  postedTo: string;
  params: Record<string, string>;
  status?: number;
  error?: string;
}

/**
 * Faults for the next creates: 21610 (unsubscribed recipient, HTTP 400), 20429 (HTTP 429), 500 (server
 * error), or a delivery failure (30003, 30005, 30006, 30007) reported by status callback as "undelivered".
 */
export type TwilioFaultCode = 21610 | 20429 | 500 | 30003 | 30005 | 30006 | 30007;

export interface TwilioStandInOptions {
  accountSid: string;
  authToken: string;
  port?: number;
  clock?: () => number;
  /** The public base URL the app validates signatures against, e.g. `https://intake.example.org`. */
  publicBaseUrl?: string;
  /** Local base that replaces `publicBaseUrl` when POSTing (signatures still cover the public URL). */
  deliverTo?: string;
  /** The public incoming-SMS webhook URL as configured at Twilio. Default `${publicBaseUrl}/webhooks/twilio/sms`. */
  smsWebhookUrl?: string;
  /** Our Twilio number, the `To` of incoming SMS. */
  phoneNumber?: string;
  /** Messaging Service SID included in incoming webhooks when set. */
  messagingServiceSid?: string;
  /** Segments per second allowed per sending number (Twilio's long-code queue); 20429 when exceeded. */
  segmentsPerSecond?: number;
  /** Burst allowance for `segmentsPerSecond`; default equal to the rate. */
  segmentBurst?: number;
  /** Delay between successive status callbacks of a message; default 0. */
  callbackDelayMs?: number;
}

/** How to spoil an incoming webhook, for signature tests. */
export type Tamper = "body-after-signing" | "wrong-host" | "http-scheme" | "missing-signature";

export interface SmsFromUserOptions {
  /** Our number the user texts; default the stand-in's `phoneNumber`. */
  to?: string;
  tamper?: Tamper;
  /** Reuse a MessageSid, to test redelivery. */
  messageSid?: string;
}

export interface WebhookResult {
  status: number;
  body: string;
  params: Record<string, string>;
  signature?: string;
}

export interface TwilioStandIn {
  /** Base to use as TWILIO_API_BASE, e.g. `http://127.0.0.1:41235`. */
  readonly apiBase: string;
  messages(): TwilioRecordedMessage[];
  /** Outbound messages to `e164` that were accepted (deleted ones included, flagged). */
  messagesTo(e164: string): TwilioRecordedMessage[];
  callbacks(): TwilioCallbackRecord[];
  failNext(count: number, code: TwilioFaultCode): void;
  /** Numbers that texted STOP (Advanced Opt-Out): sends to them fail with 21610 until they text START. */
  optedOut(): string[];
  smsFromUser(fromE164: string, body: string, options?: SmsFromUserOptions): Promise<WebhookResult>;
  /** Signs `params` for `publicUrl` as Twilio would. */
  sign(publicUrl: string, params: Record<string, string>): string;
  /** Resolves once every status callback started so far has been POSTed. */
  settled(): Promise<void>;
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  reset(): void;
  close(): Promise<void>;
}

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED = "^{}\\[~]|€\f";

/** Counts SMS segments: GSM-7 160/153 septets, otherwise UCS-2 70/67 UTF-16 units. */
export function countSegments(body: string): number {
  let septets = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENDED.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = body.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

const STOP_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"];
const START_WORDS = ["START", "YES", "UNSTOP"];
const HELP_WORDS = ["HELP", "INFO"];

/** Twilio Advanced Opt-Out classifies a whole-message keyword (case-insensitive). */
export function optOutType(body: string): "STOP" | "START" | "HELP" | undefined {
  const word = body.trim().toUpperCase();
  if (STOP_WORDS.includes(word)) return "STOP";
  if (START_WORDS.includes(word)) return "START";
  if (HELP_WORDS.includes(word)) return "HELP";
  return undefined;
}

const COUNTRY_PREFIXES: Array<[string, string]> = [
  ["+1", "US"],
  ["+7", "RU"],
  ["+20", "EG"],
  ["+33", "FR"],
  ["+34", "ES"],
  ["+44", "GB"],
  ["+52", "MX"],
  ["+57", "CO"],
  ["+212", "MA"],
  ["+243", "CD"],
  ["+963", "SY"],
];

function countryOf(e164: string): string {
  const match = COUNTRY_PREFIXES.filter(([prefix]) => e164.startsWith(prefix)).sort(
    (a, b) => b[0].length - a[0].length,
  )[0];
  return match?.[1] ?? "";
}

function messageSid(): string {
  return `SM${randomBytes(16).toString("hex")}`;
}

function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

function twilioError(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** Starts the Twilio REST stand-in on 127.0.0.1. */
export async function startTwilioStandIn(options: TwilioStandInOptions): Promise<TwilioStandIn> {
  const { accountSid, authToken } = options;
  const clock = options.clock ?? Date.now;
  const phoneNumber = options.phoneNumber ?? "+15005550006";
  const publicBase = options.publicBaseUrl?.replace(/\/+$/, "");
  const smsWebhookUrl =
    options.smsWebhookUrl ?? (publicBase ? `${publicBase}/webhooks/twilio/sms` : undefined);
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`);

  let recorded: TwilioRecordedMessage[] = [];
  let callbackLog: TwilioCallbackRecord[] = [];
  let faults: Array<{ count: number; code: TwilioFaultCode }> = [];
  let optOuts = new Set<string>();
  let buckets = new Map<string, TokenBucket>();
  let inFlight = new Set<Promise<void>>();

  function localUrl(publicUrl: string): string {
    if (publicBase && options.deliverTo && publicUrl.startsWith(publicBase)) {
      return options.deliverTo.replace(/\/+$/, "") + publicUrl.slice(publicBase.length);
    }
    return publicUrl;
  }

  function sign(publicUrl: string, params: Record<string, string>): string {
    return twilio.getExpectedTwilioSignature(authToken, publicUrl, params);
  }

  function authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? "");
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  function takeFault(): TwilioFaultCode | undefined {
    const fault = faults[0];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) faults.shift();
    return fault.code;
  }

  function rateWait(from: string, segments: number, now: number): number {
    if (!options.segmentsPerSecond) return 0;
    let bucket = buckets.get(from);
    if (!bucket) {
      const burst = options.segmentBurst ?? options.segmentsPerSecond;
      bucket = new TokenBucket(options.segmentsPerSecond, burst, now);
      buckets.set(from, bucket);
    }
    return bucket.take(now, segments);
  }

  async function postCallback(url: string, params: Record<string, string>): Promise<void> {
    const record: TwilioCallbackRecord = { url, postedTo: localUrl(url), params };
    callbackLog.push(record);
    try {
      assertLoopback(record.postedTo);
      const response = await fetch(record.postedTo, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": sign(url, params),
          "user-agent": "TwilioProxy/1.1",
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      record.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
  }

  function scheduleLifecycle(message: TwilioRecordedMessage, failure: number | undefined): void {
    const resource = message.resource;
    const final = failure === undefined ? "delivered" : "undelivered";
    const steps: TwilioMessageResource["status"][] = ["queued", "sent", final];
    const run = async (): Promise<void> => {
      for (const status of steps) {
        if ((options.callbackDelayMs ?? 0) > 0) {
          await new Promise((resolve) => setTimeout(resolve, options.callbackDelayMs));
        }
        const now = clock();
        resource.status = status;
        resource.date_updated = rfc2822(now);
        if (status === "sent") resource.date_sent = rfc2822(now);
        if (status === "undelivered" && failure !== undefined) {
          resource.error_code = failure;
          resource.error_message = "Unknown error";
        }
        if (!message.statusCallback) continue;
        const params: Record<string, string> = {
          AccountSid: accountSid,
          ApiVersion: "2010-04-01",
          From: resource.from ?? phoneNumber,
          MessageSid: resource.sid,
          MessageStatus: status,
          SmsSid: resource.sid,
          SmsStatus: status,
          To: resource.to,
        };
        if (resource.messaging_service_sid) params.MessagingServiceSid = resource.messaging_service_sid;
        if (status === "undelivered" && failure !== undefined) params.ErrorCode = String(failure);
        await postCallback(message.statusCallback, params);
      }
    };
    const promise = run().finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  }

  function createMessage(res: ServerResponse, form: Record<string, string>): void {
    const to = form.To ?? "";
    const from = form.From;
    const serviceSid = form.MessagingServiceSid;
    const body = form.Body ?? "";
    if (!E164.test(to)) {
      sendJson(
        res,
        400,
        twilioError(400, 21211, `Invalid 'To' Phone Number: ${to.replace(/\d(?=\d{2})/g, "*")}`),
      );
      return;
    }
    if (!from && !serviceSid) {
      sendJson(res, 400, twilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required"));
      return;
    }
    if (body.length === 0 && !form.MediaUrl) {
      sendJson(res, 400, twilioError(400, 21602, "Message body is required."));
      return;
    }
    const sender = from ?? serviceSid ?? phoneNumber;
    if (optOuts.has(`${to}|${from ?? phoneNumber}`)) {
      sendJson(res, 400, twilioError(400, 21610, "Attempt to send to unsubscribed recipient"));
      return;
    }
    const segments = countSegments(body);
    const now = clock();
    if (rateWait(sender, segments, now) > 0) {
      sendJson(res, 429, twilioError(429, 20429, "Too Many Requests"));
      return;
    }
    const fault = takeFault();
    if (fault === 21610) {
      sendJson(res, 400, twilioError(400, 21610, "Attempt to send to unsubscribed recipient"));
      return;
    }
    if (fault === 20429) {
      sendJson(res, 429, twilioError(429, 20429, "Too Many Requests"));
      return;
    }
    if (fault === 500) {
      sendJson(res, 500, twilioError(500, 20500, "Internal Server Error"));
      return;
    }
    const sid = messageSid();
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
    const resource: TwilioMessageResource = {
      account_sid: accountSid,
      api_version: "2010-04-01",
      body,
      date_created: rfc2822(now),
      date_sent: null,
      date_updated: rfc2822(now),
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: from ?? null,
      messaging_service_sid: serviceSid ?? null,
      num_media: "0",
      num_segments: String(segments),
      price: null,
      price_unit: "USD",
      sid,
      status: serviceSid ? "accepted" : "queued",
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to,
      uri,
    };
    const message: TwilioRecordedMessage = {
      resource,
      createdAt: now,
      deleted: false,
      ...(form.StatusCallback ? { statusCallback: form.StatusCallback } : {}),
    };
    recorded.push(message);
    sendJson(res, 201, { ...resource });
    scheduleLifecycle(message, fault);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    if (!authorized(req)) {
      res.setHeader("www-authenticate", 'Basic realm="Twilio API"');
      sendJson(res, 401, twilioError(401, 20003, "Authentication Error - invalid username"));
      return;
    }
    const notFound = (): void =>
      sendJson(res, 404, twilioError(404, 20404, `The requested resource ${url.pathname} was not found`));
    const list = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
    const one = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/(SM[0-9a-f]{32})\.json$/.exec(url.pathname);
    const account = list?.[1] ?? one?.[1];
    if (account !== accountSid) {
      notFound();
      return;
    }
    if (list && req.method === "POST") {
      createMessage(res, parseForm(body));
      return;
    }
    if (list && req.method === "GET") {
      const to = url.searchParams.get("To");
      const from = url.searchParams.get("From");
      const messages = recorded
        .filter((m) => !m.deleted && (!to || m.resource.to === to) && (!from || m.resource.from === from))
        .map((m) => m.resource)
        .reverse();
      sendJson(res, 200, {
        messages,
        end: Math.max(0, messages.length - 1),
        first_page_uri: `${url.pathname}?PageSize=50&Page=0`,
        next_page_uri: null,
        page: 0,
        page_size: 50,
        previous_page_uri: null,
        start: 0,
        uri: `${url.pathname}?PageSize=50&Page=0`,
      });
      return;
    }
    const found = recorded.find((m) => m.resource.sid === one?.[2] && !m.deleted);
    if (one && found && req.method === "GET") {
      sendJson(res, 200, found.resource);
      return;
    }
    if (one && found && req.method === "DELETE") {
      found.deleted = true;
      res.writeHead(204).end();
      return;
    }
    if (one && (req.method === "GET" || req.method === "DELETE")) {
      notFound();
      return;
    }
    sendJson(res, 405, twilioError(405, 20004, "Method not allowed"));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, twilioError(500, 20500, "Internal Server Error"));
    });
  });
  const apiBase = await listenLoopback(server, options.port ?? 0);

  async function smsFromUser(
    fromE164: string,
    text: string,
    opts: SmsFromUserOptions = {},
  ): Promise<WebhookResult> {
    if (!smsWebhookUrl)
      throw new Error("smsFromUser: set publicBaseUrl or smsWebhookUrl on the Twilio stand-in");
    const to = opts.to ?? phoneNumber;
    const sid = opts.messageSid ?? messageSid();
    const params: Record<string, string> = {
      ToCountry: countryOf(to),
      ToState: "",
      SmsMessageSid: sid,
      NumMedia: "0",
      ToCity: "",
      FromZip: "",
      SmsSid: sid,
      FromState: "",
      SmsStatus: "received",
      FromCity: "",
      Body: text,
      FromCountry: countryOf(fromE164),
      To: to,
      ToZip: "",
      NumSegments: String(countSegments(text)),
      MessageSid: sid,
      AccountSid: accountSid,
      From: fromE164,
      ApiVersion: "2010-04-01",
    };
    if (options.messagingServiceSid) params.MessagingServiceSid = options.messagingServiceSid;
    const keyword = optOutType(text);
    if (keyword) {
      params.OptOutType = keyword;
      if (keyword === "STOP") optOuts.add(`${fromE164}|${to}`);
      if (keyword === "START") optOuts.delete(`${fromE164}|${to}`);
    }
    let signedUrl = smsWebhookUrl;
    if (opts.tamper === "wrong-host") {
      const u = new URL(smsWebhookUrl);
      u.hostname = "attacker.example";
      signedUrl = u.toString();
    }
    if (opts.tamper === "http-scheme") signedUrl = smsWebhookUrl.replace(/^https:/, "http:");
    const signature = sign(signedUrl, params);
    const sentParams =
      opts.tamper === "body-after-signing" ? { ...params, Body: `${text} (altered)` } : params;
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "TwilioProxy/1.1",
      "i-twilio-idempotency-token": randomBytes(16).toString("hex"),
    };
    if (opts.tamper !== "missing-signature") headers["x-twilio-signature"] = signature;
    const target = localUrl(smsWebhookUrl);
    assertLoopback(target);
    const response = await fetch(target, {
      method: "POST",
      headers,
      body: new URLSearchParams(sentParams).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    return {
      status: response.status,
      body: await response.text(),
      params: sentParams,
      ...(opts.tamper === "missing-signature" ? {} : { signature }),
    };
  }

  return {
    apiBase,
    messages: () => [...recorded],
    messagesTo: (e164) => recorded.filter((m) => m.resource.to === e164),
    callbacks: () => [...callbackLog],
    failNext: (count, code) => {
      faults.push({ count, code });
    },
    optedOut: () => [...optOuts].map((key) => key.split("|")[0] ?? key),
    smsFromUser,
    sign,
    settled: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    waitFor: (predicate, timeoutMs = 5_000) => waitUntil(predicate, timeoutMs, "twilio stand-in condition"),
    reset: () => {
      recorded = [];
      callbackLog = [];
      faults = [];
      optOuts = new Set();
      buckets = new Map();
      inFlight = new Set();
    },
    close: async () => {
      await Promise.all([...inFlight]);
      await closeServer(server);
    },
  };
}
