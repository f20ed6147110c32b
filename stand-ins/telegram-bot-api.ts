/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api), for tests and the demo:
 * Telegram cannot be reached from these machines. It speaks the real HTTP API at `/bot<token>/<method>` so
 * that the real grammY client runs against it, records every call, keeps per-chat transcripts, injects
 * faults, and plays the defender's side by building real Update JSON and delivering it by webhook or
 * getUpdates. Never imported by production code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  assertLoopback,
  closeServer,
  listenLoopback,
  parseForm,
  readBody,
  seededRandom,
  sendJson,
  TokenBucket,
  waitUntil,
} from "./http-util.js";

/** Plain JSON value as Telegram sends and receives it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One recorded Bot API call. `ok` is false when the stand-in answered with an error. */
export interface TelegramCall {
  method: string;
  params: JsonObject;
  time: number;
  ok: boolean;
  errorCode?: number;
}

/** A message present in a chat (sent by the bot or by the simulated user). */
export interface TelegramStoredMessage {
  message_id: number;
  chatId: number;
  fromBot: boolean;
  date: number;
  /** When it was sent, by the stand-in's clock (ms). */
  sentAt: number;
  text?: string;
  reply_markup?: Json;
  message: JsonObject;
}

/** An error the stand-in can answer with, shaped like Telegram's. */
export type TelegramFault =
  | { code: 429; retryAfter: number }
  | { code: 400 | 403 | 500 | 502; description?: string };

export interface FailNextOptions {
  method?: string;
  chatId?: number;
  count: number;
  error: TelegramFault;
}

/** Probabilistic 429s: each matching call fails with `probability`, decided by a seeded RNG. */
export interface ChaosOptions {
  method?: string;
  probability: number;
  retryAfter: number;
  seed: number;
}

/** Rate enforcement like Telegram's documented limits, answering 429 when exceeded. */
export interface TelegramRateLimit {
  globalPerSecond?: number;
  perChatPerSecond?: number;
  perChatBurst?: number;
  /** Methods counted as sends; default sendMessage and the other send* methods. */
  methods?: string[];
}

export interface TelegramStandInOptions {
  /** Accepted bot tokens; the first is the default for user simulation. Default one fixed test token. */
  tokens?: string[];
  port?: number;
  /** Milliseconds since the epoch; pass a controllable function to emulate the 48-hour deletion limit. */
  clock?: () => number;
  /** Initial webhook, as if setWebhook had been called. */
  webhook?: { url: string; secretToken?: string };
  /** Where webhook updates are actually POSTed (e.g. the local server) when the webhook URL is public. */
  deliverTo?: string;
  rateLimit?: TelegramRateLimit;
  botUsername?: string;
}

export interface WebhookState {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  max_connections?: number;
}

/** The result of simulating one user action. `status` is the webhook's HTTP status; undefined when queued. */
export interface Delivery {
  update: JsonObject;
  status?: number;
  body?: string;
}

export interface UserOptions {
  firstName?: string;
  languageCode?: string;
  caption?: string;
}

export interface TelegramStandIn {
  /** Base to pass as grammY's `apiRoot` / TELEGRAM_API_ROOT, e.g. `http://127.0.0.1:41234`. */
  readonly apiRoot: string;
  readonly token: string;
  calls(method?: string): TelegramCall[];
  /** Messages the bot sent to `chatId` that are still present, oldest first. */
  messagesTo(chatId: number): TelegramStoredMessage[];
  /** Every present message of the chat, both sides. */
  chatHistory(chatId: number): TelegramStoredMessage[];
  webhookInfo(): WebhookState | undefined;
  /** Sends webhook updates to this local URL whatever URL setWebhook registered (undefined: that URL). */
  routeWebhookTo(localUrl: string | undefined): void;
  failNext(options: FailNextOptions): void;
  chaos(options: ChaosOptions | undefined): void;
  /** Until when (ms) the stand-in told the client to wait before calling for this chat again. */
  retryAfterUntil(chatId: number): number | undefined;
  /** Calls that arrived before the retry_after the stand-in gave for that chat. */
  retryViolations(): TelegramCall[];
  userSends(chatId: number, text: string, options?: UserOptions): Promise<Delivery>;
  userPresses(chatId: number, messageId: number, data: string, options?: UserOptions): Promise<Delivery>;
  userSendsPhoto(chatId: number, options?: UserOptions): Promise<Delivery>;
  userSendsVoice(chatId: number, options?: UserOptions): Promise<Delivery>;
  userSendsSticker(chatId: number, options?: UserOptions): Promise<Delivery>;
  userSendsLocation(
    chatId: number,
    latitude: number,
    longitude: number,
    options?: UserOptions,
  ): Promise<Delivery>;
  userSendsDocument(chatId: number, fileName: string, options?: UserOptions): Promise<Delivery>;
  /** Delivers an update exactly as given (for replays and wrong secrets). `secret: null` omits the header. */
  postRawUpdate(update: JsonObject, options?: { secret?: string | null }): Promise<Delivery>;
  /** The user blocks the bot: every later call for this chat fails with 403 until `userUnblocksBot`. */
  userBlocksBot(chatId: number): void;
  userUnblocksBot(chatId: number): void;
  /** Answered callback queries by id. */
  answeredCallbacks(): string[];
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  reset(): void;
  close(): Promise<void>;
}

/** A syntactically real default token (bot id 7000000001). */
export const DEFAULT_TELEGRAM_TOKEN = "7000000001:AAStandInTokenForTestsOnly_0123456789ab";

const SEND_METHODS = [
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "sendVoice",
  "sendSticker",
  "sendLocation",
  "copyMessage",
  "forwardMessage",
];
const FORTY_EIGHT_HOURS_MS = 48 * 60 * 60 * 1000;

class TelegramError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

function badRequest(description: string): TelegramError {
  return new TelegramError(400, `Bad Request: ${description}`);
}

function faultToError(fault: TelegramFault): TelegramError {
  switch (fault.code) {
    case 429:
      return new TelegramError(429, `Too Many Requests: retry after ${fault.retryAfter}`, fault.retryAfter);
    case 403:
      return new TelegramError(403, fault.description ?? "Forbidden: bot was blocked by the user");
    case 400:
      return new TelegramError(400, fault.description ?? "Bad Request: chat not found");
    case 500:
      return new TelegramError(500, fault.description ?? "Internal Server Error");
    case 502:
      return new TelegramError(502, fault.description ?? "Bad Gateway");
  }
}

/** Form and query values arrive as strings; Telegram parses JSON-looking ones (reply_markup, arrays). */
function coerceFormValue(value: string): Json {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as Json;
    } catch {
      return value;
    }
  }
  return value;
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : {};
}

function intParam(params: JsonObject, name: string): number | undefined {
  const value = params[name];
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function requireInt(params: JsonObject, name: string): number {
  const value = intParam(params, name);
  if (value === undefined) throw badRequest(`${name} is empty`);
  return value;
}

function strParam(params: JsonObject, name: string): string | undefined {
  const value = params[name];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function stringArray(value: Json | undefined): string[] | undefined {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return undefined;
}

/** Starts the Bot API stand-in on 127.0.0.1. */
export async function startTelegramStandIn(options: TelegramStandInOptions = {}): Promise<TelegramStandIn> {
  const tokens = options.tokens ?? [DEFAULT_TELEGRAM_TOKEN];
  const defaultToken = tokens[0];
  if (defaultToken === undefined) throw new Error("startTelegramStandIn: give at least one token");
  const clock = options.clock ?? Date.now;
  let deliverTo = options.deliverTo;
  const botUsername = options.botUsername ?? "hrd_intake_standin_bot";

  let callLog: TelegramCall[] = [];
  let chats = new Map<number, Map<number, TelegramStoredMessage>>();
  let nextMessageId = new Map<number, number>();
  let faults: FailNextOptions[] = [];
  let chaosState: { options: ChaosOptions; random: () => number } | undefined;
  let waitUntilByChat = new Map<number, number>();
  let violations: TelegramCall[] = [];
  let webhook: WebhookState | undefined = options.webhook
    ? {
        url: options.webhook.url,
        ...(options.webhook.secretToken === undefined ? {} : { secret_token: options.webhook.secretToken }),
      }
    : undefined;
  let pendingUpdates: JsonObject[] = [];
  let pollers: Array<() => void> = [];
  let nextUpdateId = 100_000_001;
  let nextCallbackId = 1n;
  let openCallbacks = new Set<string>();
  let answered: string[] = [];
  let blockedChats = new Set<number>();
  let globalBucket: TokenBucket | undefined;
  let chatBuckets = new Map<number, TokenBucket>();

  const rate = options.rateLimit;
  const rateMethods = rate?.methods ?? SEND_METHODS;
  const resetBuckets = (): void => {
    globalBucket = rate?.globalPerSecond
      ? new TokenBucket(rate.globalPerSecond, rate.globalPerSecond, clock())
      : undefined;
    chatBuckets = new Map();
  };
  resetBuckets();

  function botUser(token: string): JsonObject {
    const id = Number(token.split(":")[0]);
    return { id, is_bot: true, first_name: "Intake (stand-in)", username: botUsername };
  }

  function userFor(chatId: number, opts?: UserOptions): JsonObject {
    return {
      id: chatId,
      is_bot: false,
      first_name: opts?.firstName ?? "Defender",
      language_code: opts?.languageCode ?? "en",
    };
  }

  function chatFor(chatId: number, opts?: UserOptions): JsonObject {
    return { id: chatId, first_name: opts?.firstName ?? "Defender", type: "private" };
  }

  function chatStore(chatId: number): Map<number, TelegramStoredMessage> {
    let store = chats.get(chatId);
    if (!store) {
      store = new Map();
      chats.set(chatId, store);
    }
    return store;
  }

  function allocateMessageId(chatId: number): number {
    const id = nextMessageId.get(chatId) ?? 1;
    nextMessageId.set(chatId, id + 1);
    return id;
  }

  function store(
    chatId: number,
    message: JsonObject,
    fromBot: boolean,
    sentAt: number,
  ): TelegramStoredMessage {
    const messageId = message.message_id as number;
    const stored: TelegramStoredMessage = {
      message_id: messageId,
      chatId,
      fromBot,
      date: message.date as number,
      sentAt,
      message,
      ...(typeof message.text === "string" ? { text: message.text } : {}),
      ...(message.reply_markup === undefined ? {} : { reply_markup: message.reply_markup }),
    };
    chatStore(chatId).set(messageId, stored);
    return stored;
  }

  function requireChat(params: JsonObject): number {
    const chatId = intParam(params, "chat_id");
    if (chatId === undefined) {
      if (params.chat_id === undefined) throw badRequest("chat_id is empty");
      throw badRequest("chat not found");
    }
    return chatId;
  }

  function findMessage(params: JsonObject, notFound: string): TelegramStoredMessage {
    const chatId = requireChat(params);
    const messageId = requireInt(params, "message_id");
    const found = chats.get(chatId)?.get(messageId);
    if (!found) throw badRequest(notFound);
    return found;
  }

  function markupOf(params: JsonObject): Json | undefined {
    const markup = params.reply_markup;
    return markup === undefined || markup === null ? undefined : markup;
  }

  function sameJson(a: Json | undefined, b: Json | undefined): boolean {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  }

  function sendMessage(token: string, params: JsonObject, now: number): JsonObject {
    const chatId = requireChat(params);
    const text = strParam(params, "text");
    if (text === undefined || text.length === 0) throw badRequest("message text is empty");
    if (text.length > 4096) throw badRequest("message is too long");
    const markup = markupOf(params);
    const message: JsonObject = {
      message_id: allocateMessageId(chatId),
      from: botUser(token),
      chat: chatFor(chatId),
      date: Math.floor(now / 1000),
      text,
    };
    const entities = params.entities;
    if (Array.isArray(entities)) message.entities = entities;
    if (markup !== undefined) message.reply_markup = markup;
    store(chatId, message, true, now);
    return message;
  }

  function editMessage(params: JsonObject, now: number, textChange: boolean): JsonObject {
    if (params.inline_message_id !== undefined) throw badRequest("inline messages are not emulated");
    const found = findMessage(params, textChange ? "message to edit not found" : "message to edit not found");
    if (!found.fromBot) throw badRequest("message can't be edited");
    const markup = markupOf(params);
    const newText = textChange ? strParam(params, "text") : found.text;
    if (textChange && (newText === undefined || newText.length === 0))
      throw badRequest("message text is empty");
    if (newText === found.text && sameJson(markup, found.reply_markup)) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    const message: JsonObject = { ...found.message, edit_date: Math.floor(now / 1000) };
    if (newText !== undefined) message.text = newText;
    if (markup === undefined) delete message.reply_markup;
    else message.reply_markup = markup;
    store(found.chatId, message, true, found.sentAt);
    return message;
  }

  function canDelete(message: TelegramStoredMessage, now: number): boolean {
    return now - message.sentAt < FORTY_EIGHT_HOURS_MS;
  }

  function deleteMessage(params: JsonObject, now: number): true {
    const found = findMessage(params, "message to delete not found");
    if (!canDelete(found, now)) throw badRequest("message can't be deleted for everyone");
    chats.get(found.chatId)?.delete(found.message_id);
    return true;
  }

  function deleteMessages(params: JsonObject, now: number): true {
    const chatId = requireChat(params);
    const ids = params.message_ids;
    if (!Array.isArray(ids) || ids.length === 0) throw badRequest("message identifiers are not specified");
    if (ids.length > 100) throw badRequest("too many message identifiers specified");
    const chatMessages = chats.get(chatId);
    let deleted = 0;
    for (const id of ids) {
      const found = typeof id === "number" ? chatMessages?.get(id) : undefined;
      if (found && canDelete(found, now)) {
        chatMessages?.delete(found.message_id);
        deleted += 1;
      }
    }
    // Telegram answers true when at least one message was deleted and skips the rest.
    if (deleted === 0) throw badRequest("message to delete not found");
    return true;
  }

  async function getUpdates(params: JsonObject): Promise<Json> {
    if (webhook) {
      throw new TelegramError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = intParam(params, "offset");
    if (offset !== undefined)
      pendingUpdates = pendingUpdates.filter((u) => (u.update_id as number) >= offset);
    const limit = Math.min(100, Math.max(1, intParam(params, "limit") ?? 100));
    const timeout = Math.min(50, Math.max(0, intParam(params, "timeout") ?? 0));
    if (pendingUpdates.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          pollers = pollers.filter((p) => p !== wake);
          resolve();
        };
        const timer = setTimeout(wake, timeout * 1000);
        pollers.push(wake);
      });
    }
    return pendingUpdates.slice(0, limit);
  }

  function checkRate(method: string, chatId: number | undefined, now: number): void {
    if (!rate || !rateMethods.includes(method)) return;
    let waitMs = globalBucket?.take(now) ?? 0;
    if (waitMs === 0 && chatId !== undefined && rate.perChatPerSecond) {
      let bucket = chatBuckets.get(chatId);
      if (!bucket) {
        bucket = new TokenBucket(rate.perChatPerSecond, rate.perChatBurst ?? 1, now);
        chatBuckets.set(chatId, bucket);
      }
      waitMs = bucket.take(now);
    }
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new TelegramError(429, `Too Many Requests: retry after ${seconds}`, seconds);
    }
  }

  function injectedFault(method: string, chatId: number | undefined): TelegramError | undefined {
    const index = faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) && (f.chatId === undefined || f.chatId === chatId),
    );
    const fault = faults[index];
    if (fault) {
      fault.count -= 1;
      if (fault.count <= 0) faults.splice(index, 1);
      return faultToError(fault.error);
    }
    if (chaosState && (chaosState.options.method ?? "sendMessage") === method) {
      if (chaosState.random() < chaosState.options.probability) {
        return faultToError({ code: 429, retryAfter: chaosState.options.retryAfter });
      }
    }
    return undefined;
  }

  async function dispatch(token: string, method: string, params: JsonObject, now: number): Promise<Json> {
    switch (method) {
      case "getme":
        return {
          ...botUser(token),
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        };
      case "sendmessage":
        return sendMessage(token, params, now);
      case "editmessagetext":
        return editMessage(params, now, true);
      case "editmessagereplymarkup":
        return editMessage(params, now, false);
      case "answercallbackquery": {
        const id = strParam(params, "callback_query_id");
        if (id === undefined || !openCallbacks.has(id)) {
          throw badRequest("query is too old and response timeout expired or query ID is invalid");
        }
        openCallbacks.delete(id);
        answered.push(id);
        return true;
      }
      case "deletemessage":
        return deleteMessage(params, now);
      case "deletemessages":
        return deleteMessages(params, now);
      case "setwebhook": {
        const url = strParam(params, "url") ?? "";
        if (url === "") {
          webhook = undefined;
          return true;
        }
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
          throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
        }
        const secret = strParam(params, "secret_token");
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
          throw badRequest("secret token contains unallowed characters");
        }
        const allowed = stringArray(params.allowed_updates);
        const maxConnections = intParam(params, "max_connections");
        webhook = {
          url,
          ...(secret === undefined ? {} : { secret_token: secret }),
          ...(allowed === undefined ? {} : { allowed_updates: allowed }),
          ...(maxConnections === undefined ? {} : { max_connections: maxConnections }),
        };
        if (params.drop_pending_updates === true || params.drop_pending_updates === "true")
          pendingUpdates = [];
        return true;
      }
      case "deletewebhook":
        webhook = undefined;
        if (params.drop_pending_updates === true || params.drop_pending_updates === "true")
          pendingUpdates = [];
        return true;
      case "getwebhookinfo":
        return {
          url: webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: webhook ? 0 : pendingUpdates.length,
          ...(webhook?.max_connections === undefined ? {} : { max_connections: webhook.max_connections }),
          ...(webhook?.allowed_updates === undefined ? {} : { allowed_updates: webhook.allowed_updates }),
        };
      case "getupdates":
        return getUpdates(params);
      default:
        throw new TelegramError(404, "Not Found");
    }
  }

  async function readParams(req: IncomingMessage, url: URL): Promise<JsonObject> {
    const params: JsonObject = {};
    for (const [key, value] of url.searchParams) params[key] = coerceFormValue(value);
    const body = await readBody(req);
    if (body.length === 0) return params;
    const type = (req.headers["content-type"] ?? "").toLowerCase();
    if (type.includes("application/json")) {
      try {
        return { ...params, ...asObject(JSON.parse(body)) };
      } catch {
        throw badRequest("can't parse JSON object");
      }
    }
    if (type.includes("application/x-www-form-urlencoded")) {
      for (const [key, value] of Object.entries(parseForm(body))) params[key] = coerceFormValue(value);
      return params;
    }
    if (type.includes("multipart/form-data"))
      throw badRequest("multipart uploads are not emulated by the stand-in");
    return params;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match || (req.method !== "GET" && req.method !== "POST")) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const token = decodeURIComponent(match[1] ?? "");
    const method = match[2] ?? "";
    if (!tokens.includes(token)) {
      sendJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
      return;
    }
    const now = clock();
    let params: JsonObject = {};
    const call: TelegramCall = { method, params, time: now, ok: true };
    try {
      params = await readParams(req, url);
      call.params = params;
      callLog.push(call);
      const chatId = intParam(params, "chat_id");
      if (chatId !== undefined) {
        const until = waitUntilByChat.get(chatId);
        if (until !== undefined && now < until) violations.push(call);
      }
      const fault = injectedFault(method, chatId);
      if (fault) throw fault;
      if (chatId !== undefined && blockedChats.has(chatId)) throw faultToError({ code: 403 });
      checkRate(method, chatId, now);
      const result = await dispatch(token, method.toLowerCase(), params, now);
      sendJson(res, 200, { ok: true, result });
    } catch (error) {
      if (!callLog.includes(call)) callLog.push(call);
      const err = error instanceof TelegramError ? error : new TelegramError(500, "Internal Server Error");
      call.ok = false;
      call.errorCode = err.code;
      const payload: JsonObject = { ok: false, error_code: err.code, description: err.description };
      if (err.retryAfter !== undefined) {
        payload.parameters = { retry_after: err.retryAfter };
        const chatId = intParam(params, "chat_id");
        const key = chatId ?? 0;
        waitUntilByChat.set(key, Math.max(waitUntilByChat.get(key) ?? 0, now + err.retryAfter * 1000));
      }
      sendJson(res, err.code, payload);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
    });
  });
  const apiRoot = await listenLoopback(server, options.port ?? 0);

  function updateType(update: JsonObject): string | undefined {
    return Object.keys(update).find((k) => k !== "update_id");
  }

  async function deliver(update: JsonObject, secret: string | null | undefined): Promise<Delivery> {
    if (!webhook) {
      pendingUpdates.push(update);
      for (const wake of [...pollers]) wake();
      return { update };
    }
    const allowed = webhook.allowed_updates;
    const type = updateType(update);
    if (allowed && allowed.length > 0 && type !== undefined && !allowed.includes(type)) return { update };
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (secret !== null && secret !== undefined) headers["x-telegram-bot-api-secret-token"] = secret;
    const target = deliverTo ?? webhook.url;
    assertLoopback(target);
    const response = await fetch(target, {
      method: "POST",
      headers,
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(15_000),
    });
    return { update, status: response.status, body: await response.text() };
  }

  function userMessage(chatId: number, fields: JsonObject, opts?: UserOptions): Promise<Delivery> {
    const now = clock();
    const message: JsonObject = {
      message_id: allocateMessageId(chatId),
      from: userFor(chatId, opts),
      chat: chatFor(chatId, opts),
      date: Math.floor(now / 1000),
      ...fields,
    };
    if (opts?.caption !== undefined) message.caption = opts.caption;
    store(chatId, message, false, now);
    const update: JsonObject = { update_id: nextUpdateId++, message };
    return deliver(update, webhook?.secret_token);
  }

  function fileId(kind: string): { file_id: string; file_unique_id: string } {
    const n = nextUpdateId.toString(36);
    return { file_id: `${kind}-standin-${n}-AgACAgIAAxkBAAI`, file_unique_id: `AQAD${n}` };
  }

  return {
    apiRoot,
    token: defaultToken,
    calls: (method) => callLog.filter((c) => method === undefined || c.method === method),
    messagesTo: (chatId) => [...(chats.get(chatId)?.values() ?? [])].filter((m) => m.fromBot),
    chatHistory: (chatId) => [...(chats.get(chatId)?.values() ?? [])],
    webhookInfo: () => (webhook ? { ...webhook } : undefined),
    routeWebhookTo: (localUrl) => {
      deliverTo = localUrl;
    },
    failNext: (opts) => {
      faults.push({ ...opts });
    },
    chaos: (opts) => {
      chaosState = opts ? { options: opts, random: seededRandom(opts.seed) } : undefined;
    },
    retryAfterUntil: (chatId) => waitUntilByChat.get(chatId),
    retryViolations: () => [...violations],
    userSends: (chatId, text, opts) => {
      const fields: JsonObject = { text };
      const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
      if (command) fields.entities = [{ offset: 0, length: command[0].length, type: "bot_command" }];
      return userMessage(chatId, fields, opts);
    },
    userPresses: (chatId, messageId, data, opts) => {
      const id = (BigInt(chatId < 0 ? -chatId : chatId) * 1_000_000n + nextCallbackId++).toString();
      openCallbacks.add(id);
      const message = chats.get(chatId)?.get(messageId)?.message ?? {
        message_id: messageId,
        chat: chatFor(chatId, opts),
        date: 0,
      };
      const callbackQuery: JsonObject = {
        id,
        from: userFor(chatId, opts),
        message,
        chat_instance: `-${(Math.abs(chatId) * 7919) % 1_000_000_007}`,
        data,
      };
      return deliver({ update_id: nextUpdateId++, callback_query: callbackQuery }, webhook?.secret_token);
    },
    userSendsPhoto: (chatId, opts) => {
      const base = fileId("photo");
      const photo: Json = [
        { ...base, file_id: `${base.file_id}-s`, width: 90, height: 67, file_size: 1200 },
        { ...base, width: 1280, height: 960, file_size: 98_000 },
      ];
      return userMessage(chatId, { photo }, opts);
    },
    userSendsVoice: (chatId, opts) =>
      userMessage(
        chatId,
        { voice: { ...fileId("voice"), duration: 4, mime_type: "audio/ogg", file_size: 9_800 } },
        opts,
      ),
    userSendsSticker: (chatId, opts) =>
      userMessage(
        chatId,
        {
          sticker: {
            ...fileId("sticker"),
            type: "regular",
            width: 512,
            height: 512,
            is_animated: false,
            is_video: false,
            emoji: "👍",
          },
        },
        opts,
      ),
    userSendsLocation: (chatId, latitude, longitude, opts) =>
      userMessage(chatId, { location: { latitude, longitude } }, opts),
    userSendsDocument: (chatId, fileName, opts) =>
      userMessage(
        chatId,
        {
          document: {
            ...fileId("document"),
            file_name: fileName,
            mime_type: "application/pdf",
            file_size: 52_000,
          },
        },
        opts,
      ),
    postRawUpdate: (update, opts) =>
      deliver(update, opts?.secret === undefined ? webhook?.secret_token : opts.secret),
    userBlocksBot: (chatId) => {
      blockedChats.add(chatId);
    },
    userUnblocksBot: (chatId) => {
      blockedChats.delete(chatId);
    },
    answeredCallbacks: () => [...answered],
    waitFor: (predicate, timeoutMs = 5_000) => waitUntil(predicate, timeoutMs, "telegram stand-in condition"),
    reset: () => {
      callLog = [];
      chats = new Map();
      nextMessageId = new Map();
      faults = [];
      chaosState = undefined;
      waitUntilByChat = new Map();
      violations = [];
      pendingUpdates = [];
      openCallbacks = new Set();
      answered = [];
      blockedChats = new Set();
      resetBuckets();
    },
    close: async () => {
      for (const wake of [...pollers]) wake();
      pollers = [];
      await closeServer(server);
    },
  };
}
