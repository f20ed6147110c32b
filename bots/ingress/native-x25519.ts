import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { X25519Agreement } from "../../src/crypto/index.js";

/**
 * The X25519 agreement of a sealed box in Node's native crypto (OpenSSL) instead of libsodium's
 * WebAssembly: about half the time, and seals are on the ingress's hot path (one per reply). The sealed box
 * around it is still built by src/crypto, byte for byte libsodium's. The ephemeral private key is an
 * OpenSSL key object, freed when collected rather than wiped; it is used for one message that this process
 * held in clear anyway.
 */
export function createNativeAgreement(): X25519Agreement {
  // Recipient keys are the few public keys in the key manifest: convert each once.
  const recipients = new Map<string, KeyObject>();
  return (recipientPublicKey) => {
    const x = Buffer.from(recipientPublicKey).toString("base64url");
    let recipient = recipients.get(x);
    if (!recipient) {
      recipient = createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
      if (recipients.size < 64) recipients.set(x, recipient);
    }
    const ephemeral = generateKeyPairSync("x25519");
    const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
    const publicJwk = ephemeral.publicKey.export({ format: "jwk" });
    return {
      ephemeralPublicKey: new Uint8Array(Buffer.from(publicJwk.x ?? "", "base64url")),
      shared: new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength),
    };
  };
}
