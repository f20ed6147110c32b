import { randomBytes } from "node:crypto";
import { asCiphertext, asSealedDataKey } from "../../../src/storage/opaque.js";
import type { NewRequest } from "../../../src/storage/requests.js";

/** A random envelope-shaped string (storage never opens it, so random bytes stand in for ciphertext). */
export function fakeEnvelope(purpose = "field", keyId = "dk"): string {
  return `v1.${purpose}.${keyId}.${randomBytes(48).toString("base64url")}`;
}

let counter = 0;

/** A valid new request with fresh ids; override any field. */
export function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  counter += 1;
  const n = `${counter}`.padStart(4, "0");
  const rand = randomBytes(4).toString("hex").toUpperCase().slice(0, 4);
  return {
    requestId: `r${randomBytes(10).toString("hex")}`,
    intakeId: `I${randomBytes(12).toString("hex").toUpperCase()}`,
    reference: `${rand}-${n}`,
    urgency: "normal",
    reasons: [],
    routes: [],
    channel: "telegram",
    lang: "en",
    senderHash: randomBytes(32).toString("base64url"),
    lookupKeyId: "lookup-1",
    teamKeyId: "team-1",
    content: asCiphertext(fakeEnvelope()),
    sealedKey: asSealedDataKey(fakeEnvelope("datakey", "team-1")),
    ...overrides,
  };
}
