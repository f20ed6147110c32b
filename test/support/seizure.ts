import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import sodium from "libsodium-wrappers-sumo";

/**
 * What an adversary does with a seized host: copies files, dumps Redis, and tries every key it found on
 * every ciphertext it found. Used by the seized-host test; each helper is deliberately generic (it does not
 * ask the service which record is which) so that it looks where the service did not expect to be looked at.
 */

/** Copies a directory tree (a database's files, WAL included, as a disk image or backup would hold them). */
export function copyTree(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** The bytes of every file under the given directories, as one latin1 string (byte-exact for searching). */
export function rawBytesOf(...dirs: string[]): string {
  return dirs
    .flatMap((d) => filesUnder(d))
    .map((f) => readFileSync(f).toString("latin1"))
    .join("\n");
}

/**
 * The forms a planted value can take in a leak: as is, UTF-8 and UTF-16 bytes, standard and URL-safe base64
 * (at each of the three alignments, so a value in the middle of an encoded blob is still found), hex.
 */
export function leakForms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = new Set<string>([
    value,
    bytes.toString("latin1"),
    Buffer.from(value, "utf16le").toString("latin1"),
  ]);
  for (let shift = 0; shift < 3; shift++) {
    const slice = bytes.subarray(shift);
    // Drop the last partial group: its encoding depends on what follows the value.
    const whole = slice.subarray(0, slice.length - (slice.length % 3));
    if (whole.length >= 6) {
      forms.add(whole.toString("base64"));
      forms.add(whole.toString("base64url"));
    }
  }
  forms.add(bytes.toString("hex"));
  return [...forms];
}

/**
 * Every key under `prefix` with everything it holds as one text: string values, hash fields and values,
 * list/set members and stream fields as raw bytes (latin1, so binary survives byte for byte), sorted-set members
 * with their scores.
 */
export async function redisEntries(redis: Redis, prefix: string): Promise<{ key: string; value: string }[]> {
  const raw = (b: Buffer) => b.toString("latin1");
  const out: { key: string; value: string }[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of batch) {
      const type = await redis.type(key);
      let parts: string[] = [];
      if (type === "string") parts = [raw((await redis.getBuffer(key)) ?? Buffer.alloc(0))];
      else if (type === "hash") {
        parts = Object.entries(await redis.hgetallBuffer(key)).flatMap(([f, v]) => [f, raw(v)]);
      } else if (type === "list") parts = (await redis.lrangeBuffer(key, "0", "-1")).map(raw);
      else if (type === "set") parts = (await redis.smembersBuffer(key)).map(raw);
      else if (type === "zset") parts = await redis.zrange(key, "0", "-1", "WITHSCORES");
      else if (type === "stream") {
        parts = (await redis.xrange(key, "-", "+")).flatMap(([id, fields]) => [id, ...fields]);
      }
      out.push({ key, value: parts.join("\n") });
    }
  } while (cursor !== "0");
  return out;
}

/** Envelopes (`v1.<purpose>.<key id>.<base64url>`) anywhere in a text, JSON-escaped or not. */
export function envelopesIn(text: string): string[] {
  return [...text.matchAll(/v1\.([a-z]+)\.([a-z0-9][a-z0-9-]{0,31})\.([A-Za-z0-9_-]{16,})/g)].map(
    (m) => m[0],
  );
}

/**
 * Tries every box key pair on every sealed payload, with libsodium's own `crypto_box_seal_open` (ignoring
 * the context binding: an adversary does not care which record a plaintext claims to be). Returns the
 * plaintexts that opened.
 */
export async function openSealedWithAll(
  envelopes: readonly string[],
  pairs: readonly { publicKey: Uint8Array; secretKey: Uint8Array }[],
): Promise<string[]> {
  await sodium.ready;
  const opened: string[] = [];
  for (const envelope of envelopes) {
    const payload = Buffer.from(envelope.split(".")[3] ?? "", "base64url");
    for (const pair of pairs) {
      try {
        const inner = sodium.crypto_box_seal_open(payload, pair.publicKey, pair.secretKey);
        opened.push(Buffer.from(inner).toString("utf8"));
      } catch {
        // Not sealed to this key.
      }
    }
  }
  return opened;
}
