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
