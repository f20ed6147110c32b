import { cpSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isSecureMemory } from "../../../src/crypto/backend-native.js";
import { cryptoReady, lookupHash, lookupHashes, toBase64url } from "../../../src/crypto/index.js";
import {
  advanceLookupEpoch,
  epochOf,
  epochOfKeyId,
  generateKeys,
  keepLookupEpochCurrent,
  loadRoleKeys,
  readManifest,
} from "../../../src/keys/index.js";
import { createLogger } from "../../../src/log/index.js";

const DAY = 86_400_000;
const log = createLogger({ level: "silent" });
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  await cryptoReady();
  const root = mkdtempSync(join(tmpdir(), "lookup-epoch-"));
  roots.push(root);
  const dir = join(root, "keys");
  await generateKeys(dir);
  return dir;
}

const lookupOf = async (dir: string) => (await loadRoleKeys(dir, "serve", log)).lookup;
const bytesOfDir = (dir: string) =>
  readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString("latin1"))
    .join("\n");
const secretsIn = (dir: string) =>
  Object.values(
    (JSON.parse(readFileSync(join(dir, "lookup.key"), "utf8")) as { keys: Record<string, string> }).keys,
  );
const phone = "+254711000999";
const t0 = new Date(Date.UTC(2026, 11, 4, 12));

describe("the lookup key moves forward by epoch (requirement 28)", () => {
  it("turns the generated key into this epoch's key and keeps the old one for one epoch as the previous", async () => {
    const dir = await freshDir();
    const seedRing = await lookupOf(dir);
    const seedHash = lookupHash(seedRing, "phone", phone);
    const r = advanceLookupEpoch(dir, { epochDays: 30, now: t0 });
    expect(r.changed).toBe(true);
    expect(epochOfKeyId(r.current)).toBe(epochOf(t0, 30));
    const ring = await lookupOf(dir);
    expect(ring.current).toBe(r.current);
    expect(ring.keys.size).toBe(2);
    // New hashes differ; the previous epoch's hash is still found (duplicate check, conversation in progress).
    expect(lookupHash(ring, "phone", phone)).not.toBe(seedHash);
    expect(lookupHashes(ring, "phone", phone).map((h) => h.hash)).toContain(seedHash);
    // Within the same epoch nothing changes.
    expect(advanceLookupEpoch(dir, { epochDays: 30, now: new Date(t0.getTime() + DAY) }).changed).toBe(false);
  });

  it("after two epochs a hash from before cannot be recomputed from anything in the key directory", async () => {
    const dir = await freshDir();
    advanceLookupEpoch(dir, { epochDays: 30, now: t0 });
    const old = lookupHash(await lookupOf(dir), "phone", phone);
    const oldSecrets = secretsIn(dir);
    advanceLookupEpoch(dir, { epochDays: 30, now: new Date(t0.getTime() + 30 * DAY) });
    // One epoch later: still linkable (the overlap).
    expect(lookupHashes(await lookupOf(dir), "phone", phone).map((h) => h.hash)).toContain(old);
    advanceLookupEpoch(dir, { epochDays: 30, now: new Date(t0.getTime() + 60 * DAY) });
    const ring = await lookupOf(dir);
    expect(ring.keys.size).toBe(2);
    expect(lookupHashes(ring, "phone", phone).map((h) => h.hash)).not.toContain(old);
    // The key that made `old` is in no file of the directory, in any encoding we write.
    const text = bytesOfDir(dir);
    for (const secret of oldSecrets) {
      const bytes = Buffer.from(secret, "base64url");
      if (secrets(ring).includes(secret)) continue;
      expect(text).not.toContain(secret);
      expect(text).not.toContain(bytes.toString("latin1"));
    }
  });

  it("overwrites the replaced key file's blocks, not only its name", async () => {
    const dir = await freshDir();
    // A second name for the same inode: what a disk image still holds after a plain rename.
    const shadow = join(dir, "..", "lookup.key.shadow");
    linkSync(join(dir, "lookup.key"), shadow);
    const before = readFileSync(shadow);
    expect(before.some((b) => b !== 0)).toBe(true);
    advanceLookupEpoch(dir, { epochDays: 30, now: t0 });
    const after = readFileSync(shadow);
    expect(after.length).toBe(before.length);
    expect(after.every((b) => b === 0)).toBe(true);
  });

  it("gives serve and work hosts the same keys without talking to each other, however long one was off", async () => {
    const serve = await freshDir();
    const work = join(mkdtempSync(join(tmpdir(), "lookup-epoch-copy-")), "keys");
    roots.push(join(work, ".."));
    cpSync(serve, work, { recursive: true });
    advanceLookupEpoch(serve, { epochDays: 7, now: t0 });
    advanceLookupEpoch(work, { epochDays: 7, now: t0 });
    // The serve host advances every epoch; the work host was down for five epochs.
    for (let i = 1; i <= 5; i++)
      advanceLookupEpoch(serve, { epochDays: 7, now: new Date(t0.getTime() + i * 7 * DAY) });
    advanceLookupEpoch(work, { epochDays: 7, now: new Date(t0.getTime() + 5 * 7 * DAY) });
    const a = await lookupOf(serve);
    const b = await lookupOf(work);
    expect(b.current).toBe(a.current);
    expect(lookupHashes(b, "phone", phone)).toEqual(lookupHashes(a, "phone", phone));
  });

  it("recovers when a crash left the new key file with the old manifest", async () => {
    const dir = await freshDir();
    advanceLookupEpoch(dir, { epochDays: 30, now: t0 });
    const manifestBefore = readFileSync(join(dir, "manifest.json"), "utf8");
    // Off for five epochs: the key the manifest names is dropped from the file by the next advance.
    const later = new Date(t0.getTime() + 5 * 30 * DAY);
    advanceLookupEpoch(dir, { epochDays: 30, now: later });
    const current = readManifest(dir).keys.lookup?.current;
    // The manifest as it was before the advance, the key file as after.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "manifest.json"), manifestBefore, { mode: 0o600 });
    await expect(lookupOf(dir)).rejects.toMatchObject({ code: "KEY_MISSING" });
    const r = advanceLookupEpoch(dir, { epochDays: 30, now: later });
    expect(r.current).toBe(current);
    expect((await lookupOf(dir)).current).toBe(current);
  });

  it("moves a running process's keyrings forward in place when an epoch passes", async () => {
    const dir = await freshDir();
    let now = t0;
    const ring = await lookupOf(dir);
    const keeper = keepLookupEpochCurrent({
      dir,
      epochDays: 30,
      rings: [ring],
      reload: () => lookupOf(dir),
      log,
      clock: () => now,
    });
    try {
      expect(await keeper.check()).toBe(true);
      const first = lookupHash(ring, "phone", phone);
      expect(await keeper.check()).toBe(false);
      now = new Date(t0.getTime() + 31 * DAY);
      expect(await keeper.check()).toBe(true);
      // The same object now hashes under the new epoch, and still knows the previous one.
      expect(lookupHash(ring, "phone", phone)).not.toBe(first);
      expect(lookupHashes(ring, "phone", phone).map((h) => h.hash)).toContain(first);
      // The refreshed keys are in sodium_malloc memory, like every secret loaded from key files.
      for (const key of ring.keys.values()) expect(isSecureMemory(key)).toBe(true);
    } finally {
      keeper.stop();
    }
  });
});

function secrets(ring: { keys: ReadonlyMap<string, Uint8Array> }): string[] {
  return [...ring.keys.values()].map((k) => toBase64url(k));
}
