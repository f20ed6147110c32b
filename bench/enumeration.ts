import sodium from "libsodium-wrappers-sumo";
import {
  cryptoReady,
  erasureTag,
  generateSecretKey,
  lookupHashWith,
  newErasureKey,
} from "../src/crypto/index.js";
import { type BenchResult, measureOps, type Section } from "./lib.js";

/**
 * What a seized host's lookup key is worth (requirement 28): how fast an adversary holding it tests phone
 * numbers against stored sender hashes, with this service's own code on one core, and how long a national
 * mobile range of 10^8 numbers takes. Also what a memory-hard lookup hash would cost per message, the option
 * weighed in docs/security.md. Run alone: `npm run bench -- enumeration`. Dedicated hardware is faster than this; the figures are a floor on the
 * adversary's speed, not a ceiling.
 */
export const enumerationSection: Section = {
  name: "enumeration",
  async run(ctx) {
    await cryptoReady();
    await sodium.ready;
    const key = generateSecretKey();
    const out: BenchResult[] = [];
    let n = 0;
    const test = measureOps(ctx, "enumeration", "test one phone number (keyed BLAKE2b, one core)", () =>
      lookupHashWith(key, "phone", `+2547${String(10_000_000 + (n++ % 89_999_999))}`),
    );
    out.push(test);
    const seconds = 1e8 / test.value;
    out.push({
      section: "enumeration",
      name: "enumerate 10^8 numbers (one core), minutes",
      unit: "count",
      value: seconds / 60,
      spread: test.spread,
      samples: test.samples.map((ops) => 1e8 / ops / 60),
      note: "derived from the line above",
    });
    // Closed requests keep no sender hash, only a tag keyed by each request's own erasure key: testing one
    // number against them costs its lookup hash plus one tag per closed request (1000 here).
    const erasureKeys = Array.from({ length: 100 }, () => newErasureKey());
    const senderHash = lookupHashWith(key, "phone", "+254711222333");
    let k = 0;
    const tag = measureOps(ctx, "enumeration", "one erasure tag (closed request)", () =>
      erasureTag(erasureKeys[k++ % erasureKeys.length] as Uint8Array, senderHash),
    );
    const closedSeconds = (ops: number) => 1e8 * (1 / test.value + 1000 / ops);
    out.push(tag, {
      section: "enumeration",
      name: "enumerate 10^8 numbers against 1000 closed requests (one core), hours",
      unit: "count",
      value: closedSeconds(tag.value) / 3600,
      spread: tag.spread,
      samples: tag.samples.map((ops) => closedSeconds(ops) / 3600),
      note: "derived from the lines above",
    });
    // Argon2id per hash at a few memory sizes: what the ingress would pay per message (two hashes while a
    // previous epoch's key is held), and what 10^8 numbers would cost the adversary on one core.
    const salt = new Uint8Array(sodium.crypto_pwhash_SALTBYTES);
    for (const [label, ops, mem] of [
      ["Argon2id 1 MiB, t=1", 1, 1 << 20],
      ["Argon2id 4 MiB, t=1", 1, 4 << 20],
      ["Argon2id 16 MiB, t=1", 1, 16 << 20],
    ] as const) {
      const r = measureOps(ctx, "enumeration", `lookup hash with ${label}`, () =>
        sodium.crypto_pwhash(32, `+2547${n++}`, salt, ops, mem, sodium.crypto_pwhash_ALG_ARGON2ID13),
      );
      out.push(r, {
        section: "enumeration",
        name: `enumerate 10^8 with ${label} (one core), days`,
        unit: "count",
        value: 1e8 / r.value / 86_400,
        spread: r.spread,
        samples: r.samples.map((ops) => 1e8 / ops / 86_400),
        note: "derived from the line above",
      });
    }
    return out;
  },
};
