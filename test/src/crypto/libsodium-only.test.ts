import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../src/config/index.js";
import { backend } from "../../../src/crypto/backend.js";
import { cryptoReady } from "../../../src/crypto/index.js";

/**
 * Row 40: server crypto is libsodium's own. No sealed box assembled from parts (X25519 agreement, HSalsa20,
 * afternm boxes), no X25519 from node:crypto, and no pool of random bytes kept in JavaScript.
 */
function sources(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}
const files = ["src", "bots", "queues", "app"].flatMap(sources);

describe("crypto primitives come from libsodium itself", () => {
  it("has sources to check", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it.each([
    [
      "X25519 or Diffie-Hellman from node:crypto",
      /\bdiffieHellman\b|["']x25519["']|\bgenerateKeyPair(Sync)?\b|createECDH/i,
    ],
    [
      "a sealed box assembled by hand",
      /crypto_core_hsalsa20|crypto_box_easy_afternm|crypto_box_beforenm|crypto_scalarmult\(/,
    ],
    ["a pluggable key agreement", /X25519Agreement|libsodiumAgreement|createNativeAgreement/],
    ["a user-space random pool", /POOL_BYTES|POOLED_MAX|poolOffset/],
  ])("no source has %s", (_what, pattern) => {
    const hits = files
      .filter((f) => pattern.test(readFileSync(f, "utf8")))
      .map((f) => relative(projectRoot, f));
    expect(hits).toEqual([]);
  });

  it("src/crypto draws randomness only from libsodium's randombytes_buf", () => {
    const crypto = sources(join("src", "crypto")).filter((f) => !f.endsWith(".d.ts"));
    const hits = crypto.filter((f) =>
      /getRandomValues|randomBytes\(.*node:crypto|from "node:crypto"/.test(readFileSync(f, "utf8")),
    );
    expect(hits.map((f) => relative(projectRoot, f))).toEqual([]);
    expect(readFileSync(join(projectRoot, "src", "crypto", "sodium.ts"), "utf8")).toMatch(
      /backend\(\)\.randomBytes\(n\)/,
    );
  });

  it("the server loads the native library", async () => {
    await cryptoReady();
    expect(backend().name).toBe("sodium-native");
  });
});
