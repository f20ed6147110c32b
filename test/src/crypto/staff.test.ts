import sodium from "libsodium-wrappers-sumo";
import { describe, expect, it } from "vitest";
import {
  cryptoReady,
  deriveStaffKeys,
  equalBytes,
  generateBoxKeyPair,
  INTERACTIVE_ARGON2ID,
  newStaffSalt,
  openTeamKey,
  STAFF_ARGON2ID,
  sealTeamKey,
  TEST_ARGON2ID,
  unwrapPersonalKey,
  wrapPersonalKey,
} from "../../../src/crypto/index.js";
import type { AppError } from "../../../src/errors/app-error.js";

await cryptoReady();

const expectCode = (fn: () => unknown, code: string) =>
  expect(fn).toThrow(expect.objectContaining({ code }) as unknown as AppError);

/** Enrols one staff member as the console would: passphrase → keys, wrapped personal key, sealed team key. */
function enrol(passphrase: string) {
  const salt = newStaffSalt();
  const { authKey, unwrapKey } = deriveStaffKeys(passphrase, salt, TEST_ARGON2ID);
  const personal = generateBoxKeyPair();
  const team = generateBoxKeyPair();
  return {
    salt,
    authKey,
    personal,
    team,
    wrapped: wrapPersonalKey(unwrapKey, "staff-1", personal.secretKey),
    sealedTeam: sealTeamKey({ keyId: "pk1", key: personal.publicKey }, "staff-1", {
      keyId: "tm1",
      key: team.secretKey,
    }),
  };
}

describe("staff key wrapping", () => {
  const passphrase = "correct horse battery staple";
  const e = enrol(passphrase);

  it("the passphrase unwraps the personal key, which opens the team key", () => {
    const { unwrapKey } = deriveStaffKeys(passphrase, e.salt, TEST_ARGON2ID);
    const personal = unwrapPersonalKey(unwrapKey, "staff-1", e.wrapped);
    expect(equalBytes(personal.secretKey, e.personal.secretKey)).toBe(true);
    expect(equalBytes(personal.publicKey, e.personal.publicKey)).toBe(true);
    const team = openTeamKey({ keyId: "pk1", key: personal }, "staff-1", e.sealedTeam);
    expect(team.keyId).toBe("tm1");
    expect(equalBytes(team.key.secretKey, e.team.secretKey)).toBe(true);
    expect(equalBytes(team.key.publicKey, e.team.publicKey)).toBe(true);
  });

  it("an empty passphrase is refused", () => {
    expectCode(() => deriveStaffKeys("", e.salt, TEST_ARGON2ID), "BAD_REQUEST");
  });

  it.each(["wrong passphrase", "correct horse battery stapl", "Correct horse battery staple"])(
    "passphrase %j fails",
    (wrong) => {
      const { unwrapKey } = deriveStaffKeys(wrong, e.salt, TEST_ARGON2ID);
      expectCode(() => unwrapPersonalKey(unwrapKey, "staff-1", e.wrapped), "CRYPTO_AUTH");
    },
  );

  it("the right passphrase with another salt fails", () => {
    const { unwrapKey } = deriveStaffKeys(passphrase, newStaffSalt(), TEST_ARGON2ID);
    expectCode(() => unwrapPersonalKey(unwrapKey, "staff-1", e.wrapped), "CRYPTO_AUTH");
  });

  it("the authentication key (what the server sees) cannot unwrap anything", () => {
    const { authKey, unwrapKey } = deriveStaffKeys(passphrase, e.salt, TEST_ARGON2ID);
    expect(equalBytes(authKey, e.authKey)).toBe(true);
    expect(equalBytes(authKey, unwrapKey)).toBe(false);
    expectCode(() => unwrapPersonalKey(authKey, "staff-1", e.wrapped), "CRYPTO_AUTH");
  });

  it("a wrapped key or sealed team key moved to another staff id fails", () => {
    const { unwrapKey } = deriveStaffKeys(passphrase, e.salt, TEST_ARGON2ID);
    expectCode(() => unwrapPersonalKey(unwrapKey, "staff-2", e.wrapped), "CRYPTO_AUTH");
    expectCode(() => openTeamKey({ keyId: "pk1", key: e.personal }, "staff-2", e.sealedTeam), "CRYPTO_AUTH");
  });

  it("another staff member's personal key cannot open this member's team key", () => {
    const other = generateBoxKeyPair();
    expectCode(() => openTeamKey({ keyId: "pk1", key: other }, "staff-1", e.sealedTeam), "CRYPTO_AUTH");
  });

  it("refuses a salt of the wrong length", () => {
    expectCode(() => deriveStaffKeys(passphrase, new Uint8Array(8), TEST_ARGON2ID), "CRYPTO_MALFORMED");
  });

  it("exports libsodium's MODERATE as the staff cost and INTERACTIVE as the fallback", () => {
    expect(STAFF_ARGON2ID).toEqual({
      opsLimit: sodium.crypto_pwhash_OPSLIMIT_MODERATE,
      memLimit: sodium.crypto_pwhash_MEMLIMIT_MODERATE,
    });
    expect(INTERACTIVE_ARGON2ID).toEqual({
      opsLimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
      memLimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE,
    });
    expect(TEST_ARGON2ID.memLimit).toBe(sodium.crypto_pwhash_MEMLIMIT_MIN);
  });
});
