import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { blockedKey } from "../../queues/outbound-worker.js";
import type { Keyring } from "../../src/crypto/index.js";
import type { Log } from "../../src/log/index.js";
import type { Ingress } from "../ingress/ingress.js";
import { ingressKeys } from "../ingress/redis-keys.js";
import { formValue, type TwilioForm, toInbound } from "./inbound.js";
import { signedUrl, verifyTwilioSignature } from "./signature.js";
import { finalStatuses, hashMessageSid, readStatus, recordStatus } from "./status-store.js";

/** The outbound worker's "recipient unreachable" mark (queues/outbound-worker.ts), set on Twilio 21610. */

export const smsWebhookPath = "/webhooks/twilio/sms";
export const statusWebhookPath = "/webhooks/twilio/status";

/** An empty TwiML answer: "received, no reply in this response" (replies go through the outbound queue). */
export const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/**
 * Twilio's webhook bodies are small: the parameters take under 1 KB, and a 1600-character body of 3-byte
 * UTF-8 characters is at most 14.4 KB once percent-encoded.
 */
const defaultBodyLimit = 32 * 1024;

export interface SmsWebhookOptions {
  /** TWILIO_AUTH_TOKEN: the key of X-Twilio-Signature. */
  authToken: string;
  /** PUBLIC_BASE_URL: the https URL Twilio calls; signatures are checked against it, never the Host header. */
  publicBaseUrl: string;
  ingress: Pick<Ingress, "accept">;
  /** The serve role's lookup keyring (`ServeKeys.lookup`). */
  lookup: Keyring<Uint8Array>;
  log: Log;
  redis: Redis;
  /** REDIS_PREFIX. */
  prefix: string;
  /**
   * TWILIO_DELETE_AFTER_INGEST: deletes a message at Twilio (e.g. `twilioMessageDeleter(client)`). Inbound
   * messages are deleted once accepted (or recognised as a duplicate); outbound ones once their status is
   * final. Best effort, in the background.
   */
  deleteMessage?: (sid: string) => Promise<void>;
  /** Delays before each deletion attempt; default 0, 2 s, 10 s, 60 s. */
  deleteRetryDelaysMs?: readonly number[];
  bodyLimit?: number;
  clock?: () => number;
}

/** A Fastify plugin with the two Twilio routes, and a way to wait for background deletions (shutdown, tests). */
export type SmsWebhookPlugin = ((app: FastifyInstance) => Promise<void>) & { idle(): Promise<void> };

/**
 * The SMS channel's webhooks: `POST /webhooks/twilio/sms` (incoming messages) and
 * `POST /webhooks/twilio/status` (delivery states). Every request must carry a valid X-Twilio-Signature
 * for PUBLIC_BASE_URL + path; anything else is 403 before a single Redis call. A valid incoming message is
 * normalised, handed to the ingress (stored durably, encrypted) and answered with an empty TwiML
 * `<Response/>`: the replies of the turn go through the outbound queue like every other message.
 */
export function createSmsWebhook(options: SmsWebhookOptions): SmsWebhookPlugin {
  const { authToken, publicBaseUrl, ingress, lookup, log, redis, prefix } = options;
  const clock = options.clock ?? Date.now;
  const bodyLimit = options.bodyLimit ?? defaultBodyLimit;
  const delays = options.deleteRetryDelaysMs ?? [0, 2_000, 10_000, 60_000];
  const optOutKey = ingressKeys(prefix).optOut;
  const running = new Set<Promise<void>>();

  function deleteLater(sid: string, what: "inbound" | "outbound") {
    const remove = options.deleteMessage;
    if (!remove) return;
    const work = (async () => {
      for (const delay of delays) {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        try {
          await remove(sid);
          log.debug("sms.deleted_at_twilio", { what });
          return;
        } catch (err) {
          const status = (err as { status?: unknown }).status;
          // Already gone: nothing left to delete.
          if (status === 404) return;
        }
      }
      log.warn("sms.delete_at_twilio_failed", { what });
    })();
    const tracked = work.finally(() => running.delete(tracked));
    running.add(tracked);
  }

  function verified(request: FastifyRequest, path: string): TwilioForm | undefined {
    const form = (request.body ?? {}) as TwilioForm;
    if (typeof form !== "object") return undefined;
    const url = signedUrl(publicBaseUrl, path, request.url);
    return verifyTwilioSignature(authToken, request.headers["x-twilio-signature"], url, form)
      ? form
      : undefined;
  }

  async function forbidden(reply: FastifyReply, route: "sms" | "status") {
    log.warn("sms.signature_invalid", { route });
    return reply.code(403).send({ error: "WEBHOOK_FORBIDDEN" });
  }

  async function onMessage(request: FastifyRequest, reply: FastifyReply) {
    const form = verified(request, smsWebhookPath);
    if (!form) return forbidden(reply, "sms");
    const parsed = await toInbound(form, {
      lookup,
      now: clock(),
      isOptedOut: async (sender) => (await redis.exists(optOutKey(sender))) === 1,
    });
    if (!parsed.ok) {
      log.warn("sms.rejected", { reason: parsed.reason });
      return reply.code(400).send({ error: "BAD_REQUEST" });
    }
    let result: Awaited<ReturnType<Ingress["accept"]>>;
    try {
      result = await ingress.accept(parsed.inbound);
    } catch (err) {
      log.error("sms.accept_failed", {
        err: err instanceof Error ? new Error(err.name) : new Error("unknown"),
      });
      return reply.code(503).header("retry-after", "5").send({ error: "DEPENDENCY_DOWN" });
    }
    log.info("sms.received", { body: parsed.inbound.body.kind, result });
    const body = parsed.inbound.body;
    if (result === "accepted" && body.kind === "command" && body.command === "unstop") {
      // Twilio re-subscribed the number on START, so an earlier 21610 ("unsubscribed") no longer holds:
      // lift the outbound worker's block, or the defender would hear nothing for 30 days.
      await redis.del(blockedKey(prefix, parsed.inbound.sender));
    }
    if (result === "busy") {
      // Over the global rate: not stored, not marked as seen, so a redelivery can be accepted later.
      return reply.code(503).header("retry-after", "1").send({ error: "RATE_LIMITED" });
    }
    if (result === "accepted" || result === "duplicate") deleteLater(parsed.inbound.providerId, "inbound");
    return reply.code(200).type("text/xml; charset=utf-8").send(emptyTwiml);
  }

  async function onStatus(request: FastifyRequest, reply: FastifyReply) {
    const form = verified(request, statusWebhookPath);
    if (!form) return forbidden(reply, "status");
    const sid = formValue(form, "MessageSid") ?? formValue(form, "SmsSid");
    const update = readStatus(
      formValue(form, "MessageStatus") ?? formValue(form, "SmsStatus"),
      formValue(form, "ErrorCode"),
    );
    if (!sid || !/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid) || !update) {
      return reply.code(400).send({ error: "BAD_REQUEST" });
    }
    const changed = await recordStatus(redis, prefix, hashMessageSid(lookup, sid), update);
    if (changed && update.code) log.warn("sms.delivery_failed", { status: update.status, code: update.code });
    if (changed && finalStatuses.has(update.status)) deleteLater(sid, "outbound");
    return reply.code(204).send();
  }

  const plugin = async (app: FastifyInstance) => {
    if (!app.hasContentTypeParser("application/x-www-form-urlencoded")) {
      await app.register(formbody, { bodyLimit });
    }
    app.post(smsWebhookPath, { bodyLimit }, onMessage);
    app.post(statusWebhookPath, { bodyLimit }, onStatus);
  };
  return Object.assign(plugin, {
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  });
}

/** The `deleteMessage` for `createSmsWebhook`, from a twilio client (`createTwilioRest`). */
export function twilioMessageDeleter(client: {
  messages(sid: string): { remove(): Promise<boolean> };
}): (sid: string) => Promise<void> {
  return async (sid) => {
    await client.messages(sid).remove();
  };
}
