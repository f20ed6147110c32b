import { AppError } from "../../src/errors/app-error.js";

/**
 * Envelopes as the ingress keeps them in Redis: the ASCII header (`v1.<purpose>.<keyId>.`) then the raw
 * payload bytes instead of its base64url text. Redis values are binary-safe, and a conversation's state is
 * the largest thing it keeps per defender: a quarter fewer bytes for every active conversation.
 */
export function toStored(envelope: string): Buffer {
  const cut = envelope.lastIndexOf(".") + 1;
  if (cut === 0) throw new AppError("CRYPTO_MALFORMED", { detail: "envelope header" });
  return Buffer.concat([
    Buffer.from(envelope.slice(0, cut), "latin1"),
    Buffer.from(envelope.slice(cut), "base64url"),
  ]);
}

const DOT = 0x2e;
const HEADER_MAX = 64;
const legacyText = /^[A-Za-z0-9_-]*$/;
const LEGACY_PROBE = 32;

/**
 * The text envelope back from stored bytes. A value written before this format (base64url text after the
 * header) is returned as it is. Only the first 32 bytes are looked at (every read of a conversation goes
 * through here): raw payloads start with a random nonce, and 32 random bytes that are all base64url
 * characters have a chance of 4^-32.
 */
export function fromStored(stored: Buffer): string {
  let dots = 0;
  let end = -1;
  for (let i = 0; i < Math.min(stored.length, HEADER_MAX); i++) {
    if (stored[i] === DOT && ++dots === 3) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) throw new AppError("CRYPTO_MALFORMED", { detail: "envelope header" });
  const header = stored.subarray(0, end).toString("latin1");
  const payload = stored.subarray(end);
  const prefix = payload.subarray(0, LEGACY_PROBE).toString("latin1");
  if (payload.length >= LEGACY_PROBE && legacyText.test(prefix)) return header + payload.toString("latin1");
  return header + payload.toString("base64url");
}
