import sodium from "libsodium-wrappers-sumo";
import { describe, expect, it } from "vitest";
import {
  type BoxKeyPair,
  type Keyring,
  openIntake,
  openOutbound,
  sealIntake,
  sealOutbound,
} from "../../../src/crypto/index.js";
import { isAppError } from "../../../src/errors/app-error.js";
import { makeTestKeys } from "../../support/keys.js";

const keys = await makeTestKeys();

/** Every byte array the serve role loaded, whatever its purpose. */
function everythingServeHolds(): Uint8Array[] {
  const { intake, state, lookup, outbound } = keys.serve;
  return [intake, state, lookup, outbound].flatMap((ring) => [...ring.keys.values()]);
}

describe.each([
  ["intake", sealIntake, openIntake, "intake"],
  ["outbound", sealOutbound, openOutbound, "outbound"],
] as const)("%s sealed by the ingress", (_name, seal, open, ringName) => {
  const sealed = seal(keys.serve[ringName], "rec-7", '{"answer":"canary-31337"}');

  it("opens with the worker's secret key", () => {
    expect(open(keys.work[ringName], "rec-7", sealed)).toBe('{"answer":"canary-31337"}');
  });

  it("does not open with anything the serve role holds (every loaded key as the secret, every pairing)", () => {
    const held = everythingServeHolds();
    expect(held.length).toBeGreaterThanOrEqual(4);
    const keyId = keys.serve[ringName].current;
    let attempts = 0;
    for (const secretKey of held) {
      for (const publicKey of held) {
        const ring: Keyring<BoxKeyPair> = {
          current: keyId,
          keys: new Map([[keyId, { publicKey, secretKey }]]),
        };
        let opened = false;
        try {
          open(ring, "rec-7", sealed);
          opened = true;
        } catch (err) {
          expect(isAppError(err, "CRYPTO_AUTH")).toBe(true);
        }
        expect(opened).toBe(false);
        attempts++;
      }
      // and the raw primitive with the serve public key of this purpose
      const payload = sodium.from_base64(
        sealed.split(".")[3] ?? "",
        sodium.base64_variants.URLSAFE_NO_PADDING,
      );
      const publicKey = keys.serve[ringName].keys.get(keyId) as Uint8Array;
      expect(() => sodium.crypto_box_seal_open(payload, publicKey, secretKey)).toThrow();
    }
    expect(attempts).toBe(held.length * held.length);
  });

  it("serve holds no secret for it: its keyring holds public keys only (Uint8Array, not key pairs)", () => {
    for (const k of keys.serve[ringName].keys.values()) expect(k).toBeInstanceOf(Uint8Array);
    const workPair = keys.work[ringName].keys.get(keys.work[ringName].current) as BoxKeyPair;
    for (const held of everythingServeHolds()) expect(sodium.memcmp(held, workPair.secretKey)).toBe(false);
  });
});

describe("the sealed box", () => {
  const payloadOf = (sealed: string) =>
    sodium.from_base64(sealed.split(".")[3] ?? "", sodium.base64_variants.URLSAFE_NO_PADDING);
  const workPair = keys.work.outbound.keys.get(keys.work.outbound.current) as BoxKeyPair;

  it("is libsodium's crypto_box_seal format: crypto_box_seal_open opens it", () => {
    const payload = payloadOf(sealOutbound(keys.serve.outbound, "job-1", "hello"));
    expect(payload.length).toBeGreaterThan(sodium.crypto_box_SEALBYTES);
    const inner = sodium.crypto_box_seal_open(payload, workPair.publicKey, workPair.secretKey);
    expect(Buffer.from(inner).includes("job-1")).toBe(true);
    expect(Buffer.from(inner).includes("hello")).toBe(true);
  });

  it("takes a fresh ephemeral key for every seal of the same message", () => {
    const ephemeral = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const payload = payloadOf(sealOutbound(keys.serve.outbound, "job-1", "same text"));
      ephemeral.add(sodium.to_hex(payload.subarray(0, sodium.crypto_box_PUBLICKEYBYTES)));
    }
    expect(ephemeral.size).toBe(50);
  });
});
