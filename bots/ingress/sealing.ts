import { createHmac } from "node:crypto";
import { decryptState, encryptState, sealIntake, sealOutbound } from "../../src/crypto/index.js";
import { padIntakeJson } from "../../src/intake/intake-size.js";
import type { ServeKeys } from "../../src/keys/index.js";
import type { IngressSealing } from "./ports.js";

/**
 * The ingress's crypto, from the keys the serve role holds: the state key (read and write conversations),
 * and only the PUBLIC intake and outbound keys (write, never read).
 */
export function createIngressSealing(
  keys: Pick<ServeKeys, "state" | "intake" | "outbound" | "lookup">,
): IngressSealing {
  const lookupKey = keys.lookup.keys.get(keys.lookup.current);
  if (!lookupKey) throw new Error("lookup keyring has no current key");
  return {
    encrypt: (plaintext, context) => encryptState(keys.state, context, plaintext),
    decrypt: (ciphertext, context) => decryptState(keys.state, context, ciphertext),
    // Every intake is sealed at one fixed size, whatever its answers (INTAKE_PADDED_BYTES).
    sealIntake: (plaintext, intakeId) => sealIntake(keys.intake, intakeId, padIntakeJson(plaintext)),
    sealOutbound: (plaintext, context) => sealOutbound(keys.outbound, context, plaintext),
    // Domain-separated keyed hash: a provider message id (a Twilio MessageSid can fetch the message at
    // Twilio) is never stored as is. 22 base64url characters (132 bits): collisions among one sender's
    // messages are out of reach, and each of the sender's `seen` members stays small.
    hashProviderId: (channel, id) =>
      createHmac("sha256", lookupKey)
        .update(`provider-id\0${channel}\0${id}`)
        .digest("base64url")
        .slice(0, 22),
  };
}
