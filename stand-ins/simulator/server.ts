/**
 * The demo's two stand-ins and the simulator page, in one place. The Telegram Bot API stand-in answers on
 * `telegramPort` behind a small front server that also serves `/simulator` (so the page and the Bot API
 * share one address), and the Twilio stand-in answers on `twilioPort`. Both deliver to the local intake
 * server while signing for its PUBLIC_BASE_URL, exactly as in tests. Demo infrastructure only: production
 * code (`app/`, `bots/`, `queues/`, `src/`) never imports this, so `intake` itself has no demo surface.
 */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeServer, listenLoopback, readBody, sendJson } from "../http-util.js";
import {
  DEFAULT_TELEGRAM_TOKEN,
  type Json,
  startTelegramStandIn,
  type TelegramStandIn,
  type TelegramStoredMessage,
} from "../telegram-bot-api.js";
import { startTwilioStandIn, type TwilioStandIn } from "../twilio-api.js";

export interface DemoStandInsOptions {
  /** Port of the Bot API stand-in and the simulator page (0 picks a free one). */
  readonly telegramPort?: number;
  /** Port of the Twilio REST stand-in (0 picks a free one). */
  readonly twilioPort?: number;
  /** Where the intake server really listens, e.g. `http://127.0.0.1:3000` (loopback only). */
  readonly intakeUrl: string;
  /** The intake's PUBLIC_BASE_URL: webhook URLs and Twilio signatures use it. */
  readonly publicBaseUrl: string;
  readonly telegramToken?: string;
  readonly telegramSecret: string;
  readonly twilioAccountSid: string;
  readonly twilioAuthToken: string;
  readonly twilioFrom: string;
  /** Shown as a link on the page; default `${publicBaseUrl}/staff`. */
  readonly consoleUrl?: string;
}

/** One chat bubble as the page draws it. */
export interface SimulatorMessage {
  readonly id: string;
  readonly fromUser: boolean;
  readonly text: string;
  readonly time: number;
  /** Telegram inline keyboard rows (bot messages only). */
  readonly buttons?: ReadonlyArray<ReadonlyArray<{ readonly text: string; readonly data: string }>>;
  /** Telegram message id, for button presses. */
  readonly messageId?: number;
}

/** What `GET /simulator/api/state` returns. */
export interface SimulatorState {
  readonly identity: { readonly chatId: number; readonly phone: string };
  readonly ourNumber: string;
  readonly consoleUrl: string;
  readonly telegram: SimulatorMessage[];
  readonly sms: SimulatorMessage[];
  /** The last webhook problem (e.g. intake not running), or null. */
  readonly notice: string | null;
}

/** A fictional defender's two identities: a Telegram private chat and a phone number. */
export interface DefenderIdentity {
  readonly chatId: number;
  readonly phone: string;
}

export interface DemoStandIns {
  /** TELEGRAM_API_ROOT for intake (the front server, which forwards Bot API calls). */
  readonly telegramApiRoot: string;
  /** TWILIO_API_BASE for intake. */
  readonly twilioApiBase: string;
  readonly simulatorUrl: string;
  readonly telegram: TelegramStandIn;
  readonly twilio: TwilioStandIn;
  /** The defender the page currently plays. */
  identity(): DefenderIdentity;
  /** Switches the page to a new fictional defender (new chat id and phone number). */
  newDefender(): DefenderIdentity;
  state(): SimulatorState;
  /** Sends an SMS from `phone` through the signed webhook, and records it for the page's thread. */
  smsFromUser(phone: string, text: string): Promise<number>;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The page's security headers: no inline script or style, nothing framed, nothing cached. */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  "/simulator": { file: "index.html", type: "text/html; charset=utf-8" },
  "/simulator/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/simulator/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/simulator/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

/**
 * A random mobile number under `prefix` with `digits` more digits; the default is Kenyan (+254 71x xxx xxx).
 * Valid for libphonenumber (the SMS webhook refuses invalid numbers); fictional.
 */
export function fictionalPhone(prefix = "+25471", digits = 7): string {
  return `${prefix}${String(randomInt(0, 10 ** digits)).padStart(digits, "0")}`;
}

/** A Telegram private chat id in the range real user ids use. */
export function fictionalChatId(): number {
  return 5_000_000_000 + randomInt(0, 999_999_999);
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Reads `inline_keyboard` from a reply_markup, keeping only callback buttons. */
export function inlineButtons(markup: Json | undefined): SimulatorMessage["buttons"] {
  if (!isObject(markup) || !Array.isArray(markup.inline_keyboard)) return undefined;
  const rows: Array<Array<{ text: string; data: string }>> = [];
  for (const row of markup.inline_keyboard) {
    if (!Array.isArray(row)) continue;
    const buttons = row.flatMap((b) =>
      isObject(b) && typeof b.text === "string" && typeof b.callback_data === "string"
        ? [{ text: b.text, data: b.callback_data }]
        : [],
    );
    if (buttons.length > 0) rows.push(buttons);
  }
  return rows.length > 0 ? rows : undefined;
}

function describeTelegram(m: TelegramStoredMessage): string {
  if (m.text !== undefined) return m.text;
  const kinds = ["photo", "voice", "sticker", "location", "document"];
  const kind = kinds.find((k) => m.message[k] !== undefined);
  return kind ? `[${kind}]` : "[message]";
}

/** Starts both stand-ins, the front server with the simulator, and returns handles for the demo. */
export async function startDemoStandIns(options: DemoStandInsOptions): Promise<DemoStandIns> {
  const publicBase = options.publicBaseUrl.replace(/\/+$/, "");
  const intakeUrl = options.intakeUrl.replace(/\/+$/, "");
  const consoleUrl = options.consoleUrl ?? `${publicBase}/staff`;
  const assets = new Map(
    Object.entries(ASSETS).map(([path, a]) => [
      path,
      { body: readFileSync(join(here, a.file)), type: a.type },
    ]),
  );

  const telegram = await startTelegramStandIn({
    tokens: [options.telegramToken ?? DEFAULT_TELEGRAM_TOKEN],
    webhook: { url: `${publicBase}/webhooks/telegram`, secretToken: options.telegramSecret },
    deliverTo: `${intakeUrl}/webhooks/telegram`,
  });
  const twilio = await startTwilioStandIn({
    accountSid: options.twilioAccountSid,
    authToken: options.twilioAuthToken,
    port: options.twilioPort ?? 0,
    publicBaseUrl: publicBase,
    deliverTo: intakeUrl,
    phoneNumber: options.twilioFrom,
  });
  const telegramBackend = new URL(telegram.apiRoot);

  let current: DefenderIdentity = { chatId: fictionalChatId(), phone: fictionalPhone() };
  const smsSent = new Map<string, Array<{ id: string; text: string; time: number }>>();
  let notice: string | null = null;
  let smsCounter = 0;

  function noteStatus(channel: string, status: number | undefined): void {
    notice = status === undefined || status < 300 ? null : `The ${channel} webhook answered HTTP ${status}.`;
  }

  async function smsFromUser(phone: string, text: string): Promise<number> {
    const list = smsSent.get(phone) ?? [];
    list.push({ id: `in-${++smsCounter}`, text, time: Date.now() });
    smsSent.set(phone, list);
    const result = await twilio.smsFromUser(phone, text);
    return result.status;
  }

  function state(): SimulatorState {
    const { chatId, phone } = current;
    const tg = telegram
      .chatHistory(chatId)
      .sort((a, b) => a.message_id - b.message_id)
      .map((m): SimulatorMessage => {
        const buttons = m.fromBot ? inlineButtons(m.reply_markup) : undefined;
        return {
          id: `tg-${m.message_id}`,
          messageId: m.message_id,
          fromUser: !m.fromBot,
          text: describeTelegram(m),
          time: m.sentAt,
          ...(buttons ? { buttons } : {}),
        };
      });
    const outbound = twilio.messagesTo(phone).map(
      (m): SimulatorMessage => ({
        id: m.resource.sid,
        fromUser: false,
        text: m.resource.body,
        time: m.createdAt,
      }),
    );
    const inbound = (smsSent.get(phone) ?? []).map(
      (m): SimulatorMessage => ({ id: m.id, fromUser: true, text: m.text, time: m.time }),
    );
    // Stable order: by time, the defender's message first when both happened in the same millisecond.
    const sms = [...inbound, ...outbound].sort(
      (a, b) => a.time - b.time || Number(b.fromUser) - Number(a.fromUser),
    );
    return {
      identity: { chatId, phone },
      ourNumber: options.twilioFrom,
      consoleUrl,
      telegram: tg,
      sms,
      notice,
    };
  }

  /** Refuses requests not addressed to this server by name (DNS rebinding) or from another origin (CSRF). */
  function sameOrigin(req: IncomingMessage, port: number): boolean {
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowedHosts.includes(req.headers.host ?? "")) return false;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.some((h) => origin === `http://${h}`)) return false;
    return true;
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return undefined;
    try {
      const value: unknown = JSON.parse(await readBody(req));
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  function sendApi(res: ServerResponse, status: number, payload: unknown): void {
    res.setHeader("cache-control", "no-store");
    res.setHeader("x-content-type-options", "nosniff");
    sendJson(res, status, payload);
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === "GET" && path === "/simulator/api/state") {
      sendApi(res, 200, state());
      return;
    }
    if (req.method !== "POST") {
      sendApi(res, 405, { error: "method not allowed" });
      return;
    }
    const body = await readJson(req);
    if (!body) {
      sendApi(res, 415, { error: "send a JSON object with content-type application/json" });
      return;
    }
    const text = typeof body.text === "string" ? body.text.slice(0, 4096) : "";
    try {
      switch (path) {
        case "/simulator/api/telegram/send": {
          if (text.trim() === "") break;
          const r = await telegram.userSends(current.chatId, text);
          noteStatus("Telegram", r.status);
          sendApi(res, 200, { status: r.status ?? null });
          return;
        }
        case "/simulator/api/telegram/press": {
          const messageId = body.messageId;
          const data = body.data;
          if (typeof messageId !== "number" || !Number.isInteger(messageId) || typeof data !== "string")
            break;
          const r = await telegram.userPresses(current.chatId, messageId, data);
          noteStatus("Telegram", r.status);
          sendApi(res, 200, { status: r.status ?? null });
          return;
        }
        case "/simulator/api/sms/send": {
          if (text.trim() === "") break;
          const status = await smsFromUser(current.phone, text);
          noteStatus("SMS", status);
          sendApi(res, 200, { status });
          return;
        }
        case "/simulator/api/new-defender":
          current = { chatId: fictionalChatId(), phone: fictionalPhone() };
          notice = null;
          sendApi(res, 200, { identity: current });
          return;
        default:
          sendApi(res, 404, { error: "not found" });
          return;
      }
      sendApi(res, 400, { error: "bad request" });
    } catch {
      notice = `The intake server at ${intakeUrl} did not answer. Is it running?`;
      sendApi(res, 502, { error: notice });
    }
  }

  /** Forwards a Bot API call to the stand-in unchanged (the front server shares its port with the page). */
  function forward(req: IncomingMessage, res: ServerResponse): void {
    const upstream = httpRequest(
      {
        host: telegramBackend.hostname,
        port: telegramBackend.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) sendJson(res, 502, { ok: false, error_code: 502, description: "Bad Gateway" });
      else res.destroy();
    });
    req.pipe(upstream);
  }

  let frontPort = 0;
  const front = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path !== "/simulator" && !path.startsWith("/simulator/")) {
      forward(req, res);
      return;
    }
    if (!sameOrigin(req, frontPort)) {
      sendApi(res, 403, { error: "use http://127.0.0.1 or http://localhost with this port" });
      return;
    }
    const asset = assets.get(path);
    if (asset && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, {
        ...PAGE_HEADERS,
        "content-type": asset.type,
        "content-length": asset.body.length,
      });
      res.end(req.method === "HEAD" ? undefined : asset.body);
      return;
    }
    if (path.startsWith("/simulator/api/")) {
      api(req, res, path).catch(() => {
        if (!res.headersSent) sendApi(res, 500, { error: "internal error" });
      });
      return;
    }
    sendApi(res, 404, { error: "not found" });
  });
  let telegramApiRoot: string;
  try {
    telegramApiRoot = await listenLoopback(front, options.telegramPort ?? 0);
  } catch (err) {
    await telegram.close();
    await twilio.close();
    throw err;
  }
  frontPort = Number(new URL(telegramApiRoot).port);

  return {
    telegramApiRoot,
    twilioApiBase: twilio.apiBase,
    simulatorUrl: `${telegramApiRoot}/simulator`,
    telegram,
    twilio,
    identity: () => current,
    newDefender: () => {
      current = { chatId: fictionalChatId(), phone: fictionalPhone() };
      return current;
    },
    state,
    smsFromUser,
    close: async () => {
      await closeServer(front);
      await telegram.close();
      await twilio.close();
    },
  };
}
