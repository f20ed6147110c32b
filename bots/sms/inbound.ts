import type { Keyring } from "../../src/crypto/index.js";
import { lookupHashes } from "../../src/crypto/index.js";
import type { Inbound, InboundBody } from "../../src/intake/messages.js";
import { type SmsKeyword, smsKeyword } from "./keywords.js";
import { normalisePhone } from "./phone.js";

/**
 * Longest text we keep from one SMS, in code points. Twilio concatenates a multi-part SMS into one `Body`
 * before posting it (up to 10 segments, 1600 characters), so this is also Twilio's own bound.
 */
export const maxSmsText = 1600;

/** The form fields of Twilio's incoming-message webhook that we read. Everything else is ignored. */
export type TwilioForm = Readonly<Record<string, string | string[] | undefined>>;

/** Why a verified webhook could not become an `Inbound` (answered 400; nothing stored). */
export type InboundRejection = "missing-sid" | "invalid-number";

export type ParsedSms =
  | { ok: true; inbound: Inbound; e164: string }
  | { ok: false; reason: InboundRejection };

/** A single form value; repeated fields (arrays) are not something Twilio sends for these. */
export function formValue(form: TwilioForm, name: string): string | undefined {
  const value = form[name];
  return typeof value === "string" ? value : undefined;
}

/** Control characters other than the line feed (C0, DEL, C1). */
const controlChars = /[^\P{Cc}\n]/gu;

/** NFC, no control characters except line breaks, at most `maxSmsText` code points. */
export function normaliseSmsText(text: string): string {
  const clean = text.normalize("NFC").replace(/\r\n?/g, "\n").replace(/\t/g, " ").replace(controlChars, "");
  const points = Array.from(clean);
  return points.length > maxSmsText ? points.slice(0, maxSmsText).join("") : clean;
}

export interface ToInboundDeps {
  lookup: Keyring<Uint8Array>;
  /** Whether the sender (by lookup hash) is opted out; asked only for an ambiguous START keyword. */
  isOptedOut: (sender: string) => Promise<boolean>;
  now: number;
}

/**
 * Turns a VERIFIED Twilio incoming-message form into the channel-neutral `Inbound`: `From` becomes
 * E.164 (held only as `address`, which is sealed), `sender` its keyed lookup hash, `providerId` the
 * MessageSid (the ingress hashes it before storing). MMS media is neither fetched nor stored.
 */
export async function toInbound(form: TwilioForm, deps: ToInboundDeps): Promise<ParsedSms> {
  const sid = formValue(form, "MessageSid") ?? formValue(form, "SmsMessageSid");
  if (!sid || !/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) return { ok: false, reason: "missing-sid" };
  const e164 = normalisePhone(formValue(form, "From") ?? "", formValue(form, "FromCountry"));
  if (!e164) return { ok: false, reason: "invalid-number" };
  // Current lookup epoch first; the previous epoch's hash lets a conversation or an opt-out carry across.
  const [sender = "", ...previousSenders] = lookupHashes(deps.lookup, "phone", e164).map((h) => h.hash);

  let body: InboundBody;
  const numMedia = Number.parseInt(formValue(form, "NumMedia") ?? "0", 10);
  const text = normaliseSmsText(formValue(form, "Body") ?? "");
  if (numMedia > 0) {
    body = { kind: "unsupported", what: "mms" };
  } else if (text.trim().length === 0) {
    body = { kind: "unsupported", what: "empty" };
  } else {
    const optOutType = formValue(form, "OptOutType");
    let keyword: SmsKeyword | undefined = smsKeyword(text, optOutType, false);
    if (!keyword && optOutType?.toUpperCase() === "START") {
      const optedOut = await Promise.all([sender, ...previousSenders].map((h) => deps.isOptedOut(h)));
      keyword = smsKeyword(text, optOutType, optedOut.some(Boolean));
    }
    body = keyword ? { kind: "command", command: keyword } : { kind: "text", text };
  }
  return {
    ok: true,
    e164,
    inbound: {
      channel: "sms",
      sender,
      ...(previousSenders.length > 0 ? { previousSenders } : {}),
      address: e164,
      providerId: sid,
      receivedAt: deps.now,
      body,
    },
  };
}
