import {
  type BoxKeyPair,
  cryptoReady,
  decryptField,
  decryptState,
  deriveStaffKeys,
  encryptField,
  encryptState,
  generateBoxKeyPair,
  generateSecretKey,
  INTERACTIVE_ARGON2ID,
  type Keyring,
  lookupHash,
  newDataKey,
  newStaffSalt,
  openIntake,
  STAFF_ARGON2ID,
  sealIntake,
} from "../src/crypto/index.js";
import { type BenchResult, measureMs, measureOps, type Section } from "./lib.js";

const ring = <K>(key: K): Keyring<K> => ({ current: "k1", keys: new Map([["k1", key]]) });

/** Crypto core throughput: sealing, AEAD, lookup hashes, and the Argon2id cost staff pay at sign-in. */
export const cryptoSection: Section = {
  name: "crypto",
  async run(ctx) {
    await cryptoReady();
    const pair = generateBoxKeyPair();
    const pub = ring(pair.publicKey);
    const sec = ring<BoxKeyPair>(pair);
    const state = ring(generateSecretKey());
    const lookup = ring(generateSecretKey());
    const dataKey = newDataKey();
    const out: BenchResult[] = [];
    for (const [label, size] of [
      ["160 B", 160],
      ["4 KB", 4096],
      ["16 KB (intake bucket)", 16383],
    ] as const) {
      const text = "x".repeat(size);
      const sealed = sealIntake(pub, "intake-1", text);
      const stateCt = encryptState(state, "conv-1", text);
      const fieldCt = encryptField(dataKey, "req-1", "answer", text);
      out.push(
        measureOps(ctx, "crypto", `sealIntake ${label}`, () => sealIntake(pub, "intake-1", text)),
        measureOps(ctx, "crypto", `openIntake ${label}`, () => openIntake(sec, "intake-1", sealed)),
        measureOps(ctx, "crypto", `encryptState ${label}`, () => encryptState(state, "conv-1", text)),
        measureOps(ctx, "crypto", `decryptState ${label}`, () => decryptState(state, "conv-1", stateCt)),
        measureOps(ctx, "crypto", `encryptField ${label}`, () =>
          encryptField(dataKey, "req-1", "answer", text),
        ),
        measureOps(ctx, "crypto", `decryptField ${label}`, () =>
          decryptField(dataKey, "req-1", "answer", fieldCt),
        ),
      );
    }
    out.push(
      measureOps(ctx, "crypto", "lookupHash phone", () => lookupHash(lookup, "phone", "+4915799912345")),
    );
    const salt = newStaffSalt();
    out.push(
      measureMs(
        ctx,
        "crypto",
        "Argon2id staff (MODERATE)",
        () => deriveStaffKeys("correct horse battery staple", salt, STAFF_ARGON2ID),
        3,
        `ops ${STAFF_ARGON2ID.opsLimit}, ${STAFF_ARGON2ID.memLimit / 1048576} MiB`,
      ),
      measureMs(
        ctx,
        "crypto",
        "Argon2id INTERACTIVE",
        () => deriveStaffKeys("correct horse battery staple", salt, INTERACTIVE_ARGON2ID),
        3,
        `ops ${INTERACTIVE_ARGON2ID.opsLimit}, ${INTERACTIVE_ARGON2ID.memLimit / 1048576} MiB`,
      ),
    );
    return out;
  },
};
