import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type BoxKeyPair,
  cryptoReady,
  decryptField,
  decryptRecord,
  decryptState,
  deriveStaffKeys,
  type EncryptedRecord,
  type IdentityKind,
  type Keyring,
  lookupHashWith,
  openDataKey,
  openIntake,
  openOutbound,
  openTeamKey,
  unwrapPersonalKey,
} from "../../../src/crypto/index.js";

/**
 * Records written before the switch to sodium-native (test/fixtures/crypto-v1.json, made by the libsodium.js
 * implementation with fixed keys) open after it: the wire format did not change.
 */
const f = JSON.parse(readFileSync(new URL("../../fixtures/crypto-v1.json", import.meta.url), "utf8"));
await cryptoReady();

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const pair = (k: { publicKey: string; secretKey: string }): BoxKeyPair => ({
  publicKey: bytes(k.publicKey),
  secretKey: bytes(k.secretKey),
});
const ring = <K>(id: string, key: K): Keyring<K> => ({ current: id, keys: new Map([[id, key]]) });

interface Field {
  requestId: string;
  field: string;
  plaintext: string;
  envelope: string;
}
interface State {
  conversationId: string;
  plaintext: string;
  envelope: string;
}
interface Lookup {
  kind: IdentityKind;
  identity: string;
  hash: string;
}
interface Sealed {
  name: string;
  intakeId: string;
  plaintext: string;
  envelope: string;
}

describe("envelopes written by the previous implementation open", () => {
  it.each([
    ...f.sealedIntakes.map((s: Sealed) => ["libsodium.js", s]),
    ...f.sealedIntakesServeRole.map((s: Sealed) => ["serve role", s]),
  ])("sealed intake (%s) %o", (_how, s: Sealed) => {
    expect(openIntake(ring("ik1", pair(f.keys.intake)), s.intakeId, s.envelope)).toBe(s.plaintext);
  });

  it.each([f.sealedOutbound, f.sealedOutboundServeRole])("sealed outbound job", (o) => {
    expect(openOutbound(ring("ok1", pair(f.keys.outbound)), o.jobId, o.envelope)).toBe(o.plaintext);
  });

  it("a stored request: sealed data key and fields", () => {
    const record = { sealedKey: f.record.sealedKey, fields: f.record.fields } as EncryptedRecord<string>;
    const opened = decryptRecord(ring("tk1", pair(f.keys.team)), f.record.requestId, record);
    expect(opened.fields).toEqual(f.record.plaintext);
  });

  it("a sealed data key opens to the fixed data key", () => {
    const key = openDataKey(
      ring("tk1", pair(f.keys.team)),
      f.sealedDataKey.requestId,
      f.sealedDataKey.envelope,
    );
    expect(hex(key)).toBe(f.keys.data);
  });

  it.each(f.fields as Field[])("field %#", (x) => {
    expect(decryptField(bytes(f.keys.data), x.requestId, x.field, x.envelope)).toBe(x.plaintext);
  });

  it.each(f.states as State[])("conversation state %#", (x) => {
    expect(decryptState(ring("st1", bytes(f.keys.state.key)), x.conversationId, x.envelope)).toBe(
      x.plaintext,
    );
  });

  it("a staff member's wrapped personal key and sealed team key", () => {
    const personal = unwrapPersonalKey(bytes(f.keys.unwrap), f.staff.staffId, f.staff.wrappedPersonalKey);
    expect(hex(personal.secretKey)).toBe(f.keys.staff.secretKey);
    expect(hex(personal.publicKey)).toBe(f.keys.staff.publicKey);
    const team = openTeamKey({ keyId: "sk1", key: personal }, f.staff.staffId, f.staff.sealedTeamKey);
    expect(team.keyId).toBe("tk1");
    expect(hex(team.key.secretKey)).toBe(f.keys.team.secretKey);
    expect(hex(team.key.publicKey)).toBe(f.keys.team.publicKey);
  });

  it("passphrase derivation gives the same keys", () => {
    const d = f.staff.derive;
    const keys = deriveStaffKeys(d.passphrase, bytes(d.salt), d.params);
    expect([hex(keys.authKey), hex(keys.unwrapKey)]).toEqual([d.authKey, d.unwrapKey]);
  });

  it.each(f.lookupHashes as Lookup[])("lookup hash %#", (x) => {
    expect(lookupHashWith(bytes(f.keys.lookup.key), x.kind, x.identity)).toBe(x.hash);
  });
});
