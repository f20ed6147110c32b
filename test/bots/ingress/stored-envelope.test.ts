import { beforeAll, describe, expect, it } from "vitest";
import { fromStored, toStored } from "../../../bots/ingress/stored-envelope.js";
import { cryptoReady, decryptState, encryptState } from "../../../src/crypto/index.js";
import { makeTestKeys, type TestKeys } from "../../support/keys.js";

let keys: TestKeys;
beforeAll(async () => {
  await cryptoReady();
  keys = await makeTestKeys();
});

describe("stored envelopes", () => {
  it("keep the header as text and the payload as raw bytes, a quarter smaller, and read back exactly", () => {
    for (const size of [0, 1, 200, 5000]) {
      const envelope = encryptState(keys.serve.state, "state:x", "a".repeat(size));
      const stored = toStored(envelope);
      const header = envelope.slice(0, envelope.lastIndexOf(".") + 1);
      expect(stored.subarray(0, header.length).toString("latin1")).toBe(header);
      expect(stored.length).toBeLessThan(envelope.length * 0.8);
      expect(fromStored(stored)).toBe(envelope);
      expect(decryptState(keys.serve.state, "state:x", fromStored(stored))).toBe("a".repeat(size));
    }
  });

  it("still reads a value written as text before this format", () => {
    const envelope = encryptState(keys.serve.state, "state:y", "hello");
    expect(fromStored(Buffer.from(envelope, "latin1"))).toBe(envelope);
  });

  it("refuses bytes without an envelope header", () => {
    expect(() => fromStored(Buffer.from("no header here"))).toThrow(/malformed/i);
    expect(() => toStored("nodots")).toThrow(/malformed/i);
  });

  it("fails closed when a stored byte changes", () => {
    const stored = toStored(encryptState(keys.serve.state, "state:z", "hello"));
    const last = stored.length - 1;
    stored[last] = (stored[last] ?? 0) ^ 1;
    expect(() => decryptState(keys.serve.state, "state:z", fromStored(stored))).toThrow();
  });
});
