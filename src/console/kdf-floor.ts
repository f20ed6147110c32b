import { type Argon2Params, INTERACTIVE_ARGON2ID, TEST_ARGON2ID } from "../crypto/index.js";

/**
 * The least Argon2id cost a staff passphrase may be derived with in production: libsodium's INTERACTIVE
 * (2 passes, 64 MiB). Below it, a wrapped personal key taken with a database dump falls to an offline
 * word-list attack (1 pass / 8 KiB ran at 825 guesses/s/core). The server refuses key material made below it
 * (enrolment, passphrase change) and the browser bundle, built with the same floor, refuses to derive below it
 * whatever cost the server names. Shared by the server and the browser: no Node imports here.
 */
export const PRODUCTION_KDF_FLOOR: Argon2Params = INTERACTIVE_ARGON2ID;

/** Demo mode and tests: libsodium's own minimum, so fictional accounts derive quickly. Never in production. */
export const DEMO_KDF_FLOOR: Argon2Params = TEST_ARGON2ID;

/** True when `params` costs at least `floor` in both passes and memory. */
export function meetsKdfFloor(params: Argon2Params, floor: Argon2Params): boolean {
  return params.opsLimit >= floor.opsLimit && params.memLimit >= floor.memLimit;
}
