import type { Inbound, Lang, Reply } from "../../src/intake/messages.js";

/**
 * What the ingress needs from the crypto layer, as a narrow port: the composition root adapts src/crypto
 * and the serve role's keys to it. The ingress holds the state and lookup secrets and only PUBLIC keys for
 * intakes and outbound jobs, so it can write both but read neither.
 */
export interface IngressSealing {
  /** Authenticated encryption of conversation state and inbox entries, bound to `context`. */
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
  /** Seals a completed intake to the intake public key, bound to its intake id. */
  sealIntake(plaintext: string, intakeId: string): string;
  /** Seals an outbound message to the outbound public key, bound to `context`. */
  sealOutbound(plaintext: string, context: string): string;
  /** Keyed hash of a provider message id (MessageSid can be used to fetch a message at Twilio). */
  hashProviderId(channel: string, id: string): string;
}

/** The effects the engine can ask for, as the ingress understands them. */
export type IngressEffect =
  | { type: "complete"; intake: { readonly intakeId: string } }
  | { type: "erase" }
  | { type: "wipe-chat" }
  | { type: "opt-out" }
  | { type: "opt-in" };

export interface StepOutcome<S> {
  state: S | null;
  replies: Reply[];
  effects: IngressEffect[];
}

/** The pure intake engine, as the ingress calls it (adapted from src/intake by the composition root). */
export interface IngressEngine<S = unknown> {
  step(state: S | undefined, inbound: Inbound, now: number): StepOutcome<S>;
  /** A reminder for an idle conversation, or undefined when none is due / already sent. */
  reminder(state: S, now: number): Reply[] | undefined;
  /** The state after its reminder went out, so it is sent once. */
  reminded(state: S, now: number): S;
  /** The polite one-time notice for a sender who is rate-limited. */
  limitedNotice(lang: Lang): Reply;
  /** The language of a state (for notices outside the flow). */
  langOf(state: S | undefined): Lang;
}
