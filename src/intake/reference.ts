import { createHash, randomBytes } from "node:crypto";

/**
 * Intake ids and the reference code a defender can quote: Crockford base32 (no I, L, O, U: nothing to
 * misread on a small screen or over a bad phone line).
 */

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Crockford base32 of the bytes, most significant bits first, padded with zero bits at the end. */
export function crockford(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** A new intake id: 26 Crockford base32 characters from 16 random bytes (the ingress passes this as `newId`). */
export function newIntakeId(): string {
  return crockford(randomBytes(16));
}

/** The defender's reference, `XXXX-XXXX`: 40 bits of SHA-256 of the intake id, so a replay gives the same. */
export function referenceFor(intakeId: string): string {
  const code = crockford(createHash("sha256").update(intakeId, "utf8").digest().subarray(0, 5));
  return `${code.slice(0, 4)}-${code.slice(4, 8)}`;
}

/** Matches a well-formed reference (as shown to the defender). */
export const referencePattern = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
