import { describe, expect, it } from "vitest";
import { crockford, newIntakeId, referenceFor, referencePattern } from "../../../src/intake/reference.js";

describe("intake ids and references", () => {
  it("encodes Crockford base32", () => {
    expect(crockford(new Uint8Array([0, 0, 0, 0, 0]))).toBe("00000000");
    expect(crockford(new Uint8Array([255, 255, 255, 255, 255]))).toBe("ZZZZZZZZ");
    expect(crockford(new Uint8Array([0x08, 0x86, 0x42, 0x98, 0xe8]))).toBe("12345678");
  });

  it("makes 26-character ids from 16 random bytes", () => {
    const ids = Array.from({ length: 50 }, () => newIntakeId());
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(50);
  });

  it("derives XXXX-XXXX references deterministically", () => {
    for (let i = 0; i < 200; i++) {
      const id = newIntakeId();
      const reference = referenceFor(id);
      expect(reference).toMatch(referencePattern);
      expect(reference).toBe(referenceFor(id));
      expect(reference).not.toMatch(/[ILOU]/);
    }
    expect(referenceFor("A")).not.toBe(referenceFor("B"));
  });
});
