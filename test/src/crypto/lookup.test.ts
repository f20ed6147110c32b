import { describe, expect, it } from "vitest";
import {
  cryptoReady,
  generateSecretKey,
  type Keyring,
  lookupHash,
  lookupHashes,
  lookupHashWith,
  normaliseIdentity,
} from "../../../src/crypto/index.js";
import { AppError } from "../../../src/errors/app-error.js";

await cryptoReady();

const k1 = generateSecretKey();
const k2 = generateSecretKey();

describe("lookup hashes", () => {
  it.each([
    ["phone", "+4915799912345"],
    ["telegram", "123456789"],
  ] as const)(
    "%s: the same identity hashes the same under one key and differently under another",
    (kind, id) => {
      expect(lookupHashWith(k1, kind, id)).toBe(lookupHashWith(k1, kind, id));
      expect(lookupHashWith(k1, kind, id)).not.toBe(lookupHashWith(k2, kind, id));
      expect(lookupHashWith(k1, kind, id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(lookupHashWith(k1, kind, id)).not.toContain(id.replace("+", ""));
    },
  );

  it.each([
    ["phone", "+49 157 99912345", "+4915799912345"],
    ["phone", "+49 (157) 999-123.45", "+4915799912345"],
    ["telegram", " 123456789 ", "123456789"],
    ["telegram", 123456789, "123456789"],
  ] as const)("normalises %s %j", (kind, input, normal) => {
    expect(normaliseIdentity(kind, input)).toBe(normal);
    expect(lookupHashWith(k1, kind, input)).toBe(lookupHashWith(k1, kind, normal));
  });

  it("separates domains: the same digits as phone and as Telegram id hash differently", () => {
    expect(lookupHashWith(k1, "phone", "+4915799912345")).not.toBe(
      lookupHashWith(k1, "telegram", "4915799912345"),
    );
  });

  it.each([
    ["phone", "015799912345"],
    ["phone", "+0157"],
    ["phone", "not a number"],
    ["telegram", "-100123"],
    ["telegram", "0123"],
    ["telegram", "12a"],
  ] as const)("refuses %s %j without echoing it", (kind, input) => {
    try {
      lookupHashWith(k1, kind, input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("BAD_REQUEST");
      expect((err as AppError).message).not.toContain(input);
    }
  });

  it("with a rotated keyring, returns one hash per key id (current first) so old records are found", () => {
    const before: Keyring<Uint8Array> = { current: "a", keys: new Map([["a", k1]]) };
    const after: Keyring<Uint8Array> = {
      current: "b",
      keys: new Map([
        ["a", k1],
        ["b", k2],
      ]),
    };
    const old = lookupHash(before, "phone", "+4915799912345");
    const all = lookupHashes(after, "phone", "+4915799912345");
    expect(all.map((h) => h.keyId)).toEqual(["b", "a"]);
    expect(all[1]?.hash).toBe(old);
    expect(all[0]?.hash).toBe(lookupHash(after, "phone", "+4915799912345"));
    expect(all[0]?.hash).not.toBe(old);
  });
});
