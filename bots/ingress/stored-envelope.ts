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

/**
 * The text envelope back from stored bytes. A value written before this format (base64url text after the
 * header) is returned as it is: raw ciphertext that happens to be all base64url characters is out of
 * reach for any real length (a chance of 4^-n for n bytes).
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
  const asText = payload.toString("latin1");
  if (payload.length > 16 && legacyText.test(asText)) return header + asText;
  return header + payload.toString("base64url");
}
