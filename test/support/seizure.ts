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

/** Every string Redis holds under `prefix` (keys, values, hash fields, list/set/zset members, stream fields). */
export async function redisStrings(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of batch) {
      out.push(key);
      const type = await redis.type(key);
      if (type === "string") out.push(((await redis.getBuffer(key)) ?? Buffer.alloc(0)).toString("latin1"));
      else if (type === "hash") {
        for (const [f, v] of Object.entries(await redis.hgetallBuffer(key)))
          out.push(f, v.toString("latin1"));
      } else if (type === "list")
        out.push(...(await redis.lrangeBuffer(key, "0", "-1")).map((b) => b.toString("latin1")));
      else if (type === "set")
        out.push(...(await redis.smembersBuffer(key)).map((b) => b.toString("latin1")));
      else if (type === "zset") out.push(...(await redis.zrange(key, "0", "-1", "WITHSCORES")));
      else if (type === "stream") {
        for (const [id, fields] of await redis.xrange(key, "-", "+")) out.push(id, ...fields);
      }
    }
  } while (cursor !== "0");
  return out;
}

/** Every key under `prefix` with all it holds as one text (for finding which keys name something). */
export async function redisEntries(redis: Redis, prefix: string): Promise<{ key: string; value: string }[]> {
  const out: { key: string; value: string }[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of batch) {
      const type = await redis.type(key);
      let value = "";
      if (type === "string") value = ((await redis.getBuffer(key)) ?? Buffer.alloc(0)).toString("latin1");
      else if (type === "hash") value = JSON.stringify(await redis.hgetall(key));
      else if (type === "list") value = JSON.stringify(await redis.lrange(key, "0", "-1"));
      else if (type === "set") value = JSON.stringify(await redis.smembers(key));
      else if (type === "zset") value = JSON.stringify(await redis.zrange(key, "0", "-1"));
      else if (type === "stream") value = JSON.stringify(await redis.xrange(key, "-", "+"));
      out.push({ key, value });
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
