import type { Redis } from "ioredis";
import type { Ingress } from "../../bots/ingress/ingress.js";
import type { OutboundMessage } from "../../queues/outbound-message.js";
import { outboundContext } from "../../queues/outbound-message.js";
import { type OutboundJob, outboundQueueName } from "../../queues/payloads.js";
import type { Queues } from "../../queues/queues.js";
import { compareSeq } from "../../queues/sequence.js";
import { openOutbound } from "../../src/crypto/index.js";
import type { ConversationState } from "../../src/intake/index.js";
import type { Channel, Inbound, InboundBody, Reply } from "../../src/intake/messages.js";
import { conversationState } from "./conversation.js";
import type { TestKeys } from "./keys.js";

/** Canary answers: unique strings that must never appear in clear in any store or log. */
export function canaryAnswers(tag: string) {
  return {
    name: `Canaryname ${tag} Mbeki`,
    location_detail: `Canaryplace ${tag} Kibera`,
    work_description: `Canarywork ${tag} documenting evictions`,
    threat_description: `Canarythreat ${tag} men followed me home`,
    contact_details: `Canarycontact ${tag} evenings via Signal`,
  };
}

/** Answers for the default flow by step id: what a defender would type on a basic phone. */
export function defaultAnswers(canaries: ReturnType<typeof canaryAnswers>): Record<string, string> {
  return {
    language: "1",
    consent: "yes",
    danger_now: "no",
    name: canaries.name,
    location_country: "Kenya",
    location_detail: canaries.location_detail,
    nationality: "Uganda",
    work_categories: "1 3",
    work_description: canaries.work_description,
    threat_types: "2",
    threat_description: canaries.threat_description,
    threat_since: "3 weeks",
    detention_status: "5",
    displacement: "2",
    family_at_risk: "no",
    support_needed: "1 6",
    contact_safe: "yes",
    contact_methods: "1",
    contact_details: canaries.contact_details,
    review: "1",
  };
}

/**
 * Drives the ingress as a defender would, reading what the engine asked from the (decrypted) state and
 * the bot's replies from the (opened) outbound jobs: tests hold every key, the services do not.
 */
export function createIngressDriver(options: {
  ingress: Ingress;
  redis: Redis;
  prefix: string;
  queues: Pick<Queues, "outbound-telegram" | "outbound-sms">;
  keys: TestKeys;
  channel: Channel;
  sender: string;
  address: string;
}) {
  let counter = 0;
  let clock = Date.now();
  return {
    async send(body: InboundBody, providerId = `p${++counter}-${Math.random()}`): Promise<string> {
      clock += 1000;
      const inbound: Inbound = {
        channel: options.channel,
        sender: options.sender,
        address: options.address,
        providerId,
        receivedAt: clock,
        body,
      };
      const result = await options.ingress.accept(inbound);
      await options.ingress.idle();
      return result;
    },
    text(text: string) {
      return this.send({ kind: "text", text });
    },
    state(): Promise<ConversationState | null | undefined> {
      return conversationState(options.redis, options.prefix, options.keys, options.sender);
    },
    /** Every outbound turn for this sender, opened, in sequence order. */
    async turns(): Promise<Array<{ job: OutboundJob; message: OutboundMessage }>> {
      const queue = options.queues[outboundQueueName(options.channel)];
      const jobs = await queue.getJobs([
        "waiting",
        "delayed",
        "active",
        "completed",
        "failed",
        "prioritized",
      ]);
      return (
        jobs
          .filter((j) => j.data.recipient === options.sender)
          .map((j) => ({
            job: j.data,
            message: JSON.parse(
              openOutbound(
                options.keys.work.outbound,
                outboundContext(j.data.recipient, j.data.seq),
                j.data.sealed,
              ),
            ) as OutboundMessage,
          }))
          // Whole sequence ids: entry ids share their minute (security row 31), the counter orders them.
          .sort((a, b) => compareSeq(a.job.seq, b.job.seq))
      );
    },
    async lastReplies(): Promise<Reply[]> {
      const turns = await this.turns();
      const last = turns.at(-1)?.message;
      return last?.kind === "replies" ? last.replies : [];
    },
    /** Answers every question from `answers` until the state is gone (submitted) or `maxTurns` passes. */
    async completeFlow(answers: Record<string, string>, maxTurns = 60): Promise<void> {
      await this.text("hello");
      for (let i = 0; i < maxTurns; i++) {
        const state = await this.state();
        if (!state) return;
        const answer = answers[state.step] ?? "1";
        await this.text(answer);
      }
      throw new Error("flow did not complete");
    },
  };
}
