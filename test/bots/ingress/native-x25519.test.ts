import sodium from "libsodium-wrappers-sumo";
import { describe, expect, it } from "vitest";
import { createNativeAgreement } from "../../../bots/ingress/native-x25519.js";
import {
  type BoxKeyPair,
  libsodiumAgreement,
  openOutbound,
  sealOutbound,
} from "../../../src/crypto/index.js";
import { makeTestKeys } from "../../support/keys.js";

const keys = await makeTestKeys();
const pair = keys.work.outbound.keys.get(keys.work.outbound.current) as BoxKeyPair;

describe("native X25519 agreement", () => {
  it("agrees on the secret the recipient computes from the ephemeral public key", () => {
    const agree = createNativeAgreement();
    for (let i = 0; i < 20; i++) {
      const { ephemeralPublicKey, shared } = agree(pair.publicKey);
      expect(ephemeralPublicKey).toHaveLength(32);
      expect(sodium.memcmp(shared, sodium.crypto_scalarmult(pair.secretKey, ephemeralPublicKey))).toBe(true);
    }
  });

  it("makes sealed boxes that libsodium opens, with a fresh ephemeral key each time", () => {
    const agree = createNativeAgreement();
    const ephemeral = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const sealed = sealOutbound(keys.serve.outbound, "job-9", `message ${i}`, agree);
      expect(openOutbound(keys.work.outbound, "job-9", sealed)).toBe(`message ${i}`);
      const payload = sodium.from_base64(
        sealed.split(".")[3] ?? "",
        sodium.base64_variants.URLSAFE_NO_PADDING,
      );
      expect(() => sodium.crypto_box_seal_open(payload, pair.publicKey, pair.secretKey)).not.toThrow();
      ephemeral.add(sodium.to_hex(payload.subarray(0, 32)));
    }
    expect(ephemeral.size).toBe(20);
  });

  it("is interchangeable with the libsodium agreement", () => {
    const a = libsodiumAgreement(pair.publicKey);
    expect(sodium.memcmp(a.shared, sodium.crypto_scalarmult(pair.secretKey, a.ephemeralPublicKey))).toBe(
      true,
    );
  });

  it("refuses a degenerate agreement instead of sealing under an all-zero key", () => {
    const zero = () => ({ ephemeralPublicKey: new Uint8Array(32), shared: new Uint8Array(32) });
    expect(() => sealOutbound(keys.serve.outbound, "job-9", "x", zero)).toThrow(/degenerate|internal/i);
  });
});
