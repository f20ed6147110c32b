import { describe, expect, it } from "vitest";
import { cryptoReady, generateSecretKey, toBase64url } from "../../../src/crypto/index.js";
import type { AppError } from "../../../src/errors/app-error.js";

// This file must not await cryptoReady() at the top: it checks what happens before it.
describe("cryptoReady", () => {
  it("functions refuse to run before it with INTERNAL, and work after it", async () => {
    expect(() => toBase64url(new Uint8Array([1]))).toThrow(
      expect.objectContaining({ code: "INTERNAL" }) as unknown as AppError,
    );
    await cryptoReady();
    expect(toBase64url(new Uint8Array([250, 251]))).toBe("-vs");
    expect(generateSecretKey()).toHaveLength(32);
  });
});

describe("randomBytes", () => {
  it("gives the requested length, never the same bytes twice, never a shared buffer", async () => {
    const { randomBytes } = await import("../../../src/crypto/sodium.js");
    const seen = new Set<string>();
    let total = 0;
    for (let i = 0; i < 3000; i++) {
      const n = [24, 32, 12, 1, 64, 65, 7][i % 7] as number;
      const bytes = randomBytes(n);
      expect(bytes).toHaveLength(n);
      total += n;
      if (n >= 12) {
        const hex = Buffer.from(bytes).toString("hex");
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
      }
    }
    expect(total).toBeGreaterThan(4 * 4096);
    const a = randomBytes(32);
    const copy = a.slice();
    randomBytes(32).fill(0);
    expect(a).toEqual(copy);
    expect(a.some((b) => b !== 0)).toBe(true);
  });

  it("is uniform enough that every byte value appears in 64 KB of output", async () => {
    const { randomBytes } = await import("../../../src/crypto/sodium.js");
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 2048; i++) for (const b of randomBytes(32)) counts[b]++;
    expect(counts.every((c) => c > 0)).toBe(true);
    // 65,536 bytes over 256 values: 256 each on average; a stuck or biased source falls far outside.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(380);
  });
});
