import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { cryptoReady, generateBoxKeyPair, newKeyId } from "../../src/crypto/index.js";
import {
  type AuditKeyring,
  advanceLookupEpoch,
  generateKeys,
  loadRoleKeys,
  type ServeKeys,
  setTeamPublicKey,
  type WorkKeys,
} from "../../src/keys/index.js";
import { createLogger } from "../../src/log/index.js";

/** A full key set for tests, including the team key pair that in production exists only in staff browsers. */
export interface TestKeys {
  readonly dir: string;
  readonly serve: ServeKeys;
  readonly work: WorkKeys;
  readonly team: { readonly keyId: string; readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
}

/**
 * Creates real key files in a fresh temp dir (via `generateKeys`, with a team public key in the manifest) and
 * loads them for both roles. Call at the top level of a test file (`const keys = await makeTestKeys()`); the
 * dir is removed after the file. Cheap: no Argon2id.
 */
export async function makeTestKeys(): Promise<TestKeys> {
  const dir = mkdtempSync(join(tmpdir(), "intake-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  await cryptoReady();
  const keysDir = join(dir, "keys");
  await generateKeys(keysDir);
  const pair = generateBoxKeyPair();
  const keyId = newKeyId();
  setTeamPublicKey(keysDir, keyId, pair.publicKey);
  // What every process does at start (app/wiring.ts): the lookup key moves to this epoch, so the hashes the
  // test computes with `serve.lookup` are the ones the service uses.
  advanceLookupEpoch(keysDir, { epochDays: 30, now: new Date() });
  const log = createLogger({ level: "silent" });
  return {
    dir: keysDir,
    serve: await loadRoleKeys(keysDir, "serve", log),
    work: await loadRoleKeys(keysDir, "work", log),
    team: { keyId, publicKey: pair.publicKey, secretKey: pair.secretKey },
  };
}

/**
 * An audit key ring for tests that need no key directory (the audit log's own tests). Its legacy cutoff is
 * `legacyBefore` (default: now), as if the key had been made then.
 */
export function testAuditKey(legacyBefore: Date = new Date()): AuditKeyring {
  // Not newKeyId(): this works before cryptoReady(). Same shape (8 lowercase hex).
  const keyId = randomBytes(4).toString("hex");
  return { current: keyId, keys: new Map([[keyId, new Uint8Array(randomBytes(32))]]), legacyBefore };
}
