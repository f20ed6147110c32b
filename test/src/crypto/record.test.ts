import { describe, expect, it } from "vitest";
import {
  type BoxKeyPair,
  cryptoReady,
  decryptField,
  decryptRecord,
  encryptField,
  encryptRecord,
  generateBoxKeyPair,
  type Keyring,
  newDataKey,
  openDataKey,
  sealDataKey,
} from "../../../src/crypto/index.js";
import type { AppError } from "../../../src/errors/app-error.js";

await cryptoReady();

const team = generateBoxKeyPair();
const teamPublic = { keyId: "team1", key: team.publicKey };
const teamRing: Keyring<BoxKeyPair> = { current: "team1", keys: new Map([["team1", team]]) };

const expectCode = (fn: () => unknown, code: string) =>
  expect(fn).toThrow(expect.objectContaining({ code }) as unknown as AppError);

describe("per-request data keys", () => {
  const fields = { situation: "x", threat: "They followed me home. ".repeat(8), country: "CO" };

  it("round-trips a record through the team key", () => {
    const rec = encryptRecord(teamPublic, "req-1", fields);
    expect(rec.sealedKey.startsWith("v1.datakey.team1.")).toBe(true);
    expect(decryptRecord(teamRing, "req-1", rec).fields).toEqual(fields);
  });

  it("gives a 1-character and a 200-character answer equal-length ciphertext", () => {
    const rec = encryptRecord(teamPublic, "req-1", { a: "x", b: "y".repeat(200) });
    expect(rec.fields.a.length).toBe(rec.fields.b.length);
  });

  it("uses a fresh data key per record: the same content encrypts differently and keys do not cross", () => {
    const r1 = encryptRecord(teamPublic, "req-1", fields);
    const r2 = encryptRecord(teamPublic, "req-1", fields);
    expect(r1.fields.situation).not.toBe(r2.fields.situation);
    const k2 = decryptRecord(teamRing, "req-1", r2).dataKey;
    expectCode(() => decryptField(k2, "req-1", "situation", r1.fields.situation), "CRYPTO_AUTH");
  });

  it("binds fields to request id and field name: swapped fields or records fail", () => {
    const r1 = encryptRecord(teamPublic, "req-1", fields);
    const r2 = encryptRecord(teamPublic, "req-2", fields);
    expectCode(
      () =>
        decryptRecord(teamRing, "req-1", { ...r1, fields: { ...r1.fields, situation: r1.fields.threat } }),
      "CRYPTO_AUTH",
    );
    expectCode(() => decryptRecord(teamRing, "req-1", { ...r1, sealedKey: r2.sealedKey }), "CRYPTO_AUTH");
    expectCode(() => decryptRecord(teamRing, "req-2", r1), "CRYPTO_AUTH");
  });

  it("adds and reads a staff note with the opened data key", () => {
    const rec = encryptRecord(teamPublic, "req-1", fields);
    const { dataKey } = decryptRecord(teamRing, "req-1", rec);
    const note = encryptField(dataKey, "req-1", "note:1", "Called partner org");
    const again = openDataKey(teamRing, "req-1", rec.sealedKey);
    expect(decryptField(again, "req-1", "note:1", note)).toBe("Called partner org");
  });

  it("crypto-shreds: without the sealed data key no other key opens the content", () => {
    const rec = encryptRecord(teamPublic, "req-1", fields);
    const other = generateBoxKeyPair();
    const otherRing: Keyring<BoxKeyPair> = { current: "team1", keys: new Map([["team1", other]]) };
    expectCode(() => openDataKey(otherRing, "req-1", rec.sealedKey), "CRYPTO_AUTH");
    expectCode(() => decryptField(newDataKey(), "req-1", "situation", rec.fields.situation), "CRYPTO_AUTH");
  });

  it("a data key sealed under an unknown team key id fails with CRYPTO_KEY_ID", () => {
    const sealed = sealDataKey({ keyId: "team2", key: team.publicKey }, "req-1", newDataKey());
    expectCode(() => openDataKey(teamRing, "req-1", sealed), "CRYPTO_KEY_ID");
  });

  it("refuses a data key of the wrong length", () => {
    expectCode(() => encryptField(new Uint8Array(16), "req-1", "f", "x"), "CRYPTO_MALFORMED");
  });
});
