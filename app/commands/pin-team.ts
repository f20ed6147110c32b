import { parseArgs } from "node:util";
import { cryptoReady, fromBase64url, isKeyId } from "../../src/crypto/index.js";
import {
  isPinned,
  keyFingerprint,
  MANIFEST_FILE,
  normaliseFingerprint,
  readTeamPins,
  setTeamPublicKey,
} from "../../src/keys/index.js";
import { connectStorage } from "../../src/storage/connection.js";
import { createStaffStore } from "../../src/storage/staff.js";
import { guarded, keysDir } from "./keys.js";
import { loadConfigOrReport } from "./roles.js";
import type { Command, CommandIo } from "./types.js";

const usage = `usage: intake keys pin-team [--dir DIR] [--key-id ID] [--public-key BASE64URL] [--fingerprint FP]

Pins a team public key in this host's key directory (${MANIFEST_FILE}) and makes it the key the screening
worker seals new requests to. The screening worker never trusts a team key that is only in the database: a
key there that is not pinned makes it hold every new request (TEAM_KEY_UNPINNED) until an operator pins it.

Without --public-key the key is read from the database (the newest team key, or the one named by --key-id).
The key's fingerprint is printed; compare it over a second channel with the one the admin was shown
(intake staff add --admin prints it). Confirm by passing --fingerprint FP, or by typing "yes" on stdin.
Older pins stay listed so that requests sealed to them still open. Run it on every work host (or copy the
updated ${MANIFEST_FILE} there).`;

interface Candidate {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly origin: string;
}

/** `intake keys pin-team`: pins (or rotates to) a team public key after a fingerprint check. */
export const pinTeamCommand: Command = {
  path: ["keys", "pin-team"],
  summary: "Pin the team public key the screening worker may seal to (shows its fingerprint)",
  usage,
  async run(io: CommandIo) {
    let values: { dir?: string; "key-id"?: string; "public-key"?: string; fingerprint?: string };
    try {
      ({ values } = parseArgs({
        args: [...io.args],
        options: {
          dir: { type: "string" },
          "key-id": { type: "string" },
          "public-key": { type: "string" },
          fingerprint: { type: "string" },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch {
      io.stderr(usage);
      return 2;
    }
    const keyId = values["key-id"];
    if ((keyId !== undefined && !isKeyId(keyId)) || (values["public-key"] !== undefined && !keyId)) {
      io.stderr("intake keys pin-team: --public-key needs --key-id, and a key id is [a-z0-9-]");
      return 2;
    }
    const dir = keysDir(io, values.dir);
    if (!dir) return 2;
    await cryptoReady();
    return guarded(io, async () => {
      const candidate = values["public-key"]
        ? fromArgument(keyId as string, values["public-key"])
        : await fromDatabase(io, keyId);
      if (typeof candidate === "number") return candidate;
      if (!candidate) {
        io.stderr("intake keys pin-team: that key is not valid (32 bytes, base64url)");
        return 1;
      }
      const fingerprint = keyFingerprint(candidate.publicKey);
      io.stdout(`team key ${candidate.keyId} (${candidate.origin})`);
      io.stdout(`fingerprint: ${fingerprint}`);
      const pins = readTeamPins(dir);
      if (pins?.current === candidate.keyId && isPinned(pins, candidate.keyId, candidate.publicKey)) {
        io.stdout(`already pinned and current in ${dir}`);
        return 0;
      }
      if (pins?.keys.has(candidate.keyId) && !isPinned(pins, candidate.keyId, candidate.publicKey)) {
        io.stderr(
          `intake keys pin-team: key id ${candidate.keyId} is already pinned with DIFFERENT bytes: refusing (someone may have replaced the key)`,
        );
        return 1;
      }
      if (values.fingerprint !== undefined) {
        if (normaliseFingerprint(values.fingerprint) !== normaliseFingerprint(fingerprint)) {
          io.stderr("intake keys pin-team: the fingerprint does not match: nothing pinned");
          return 1;
        }
      } else {
        io.stdout('Compare the fingerprint with the admin\'s, then type "yes" to pin it:');
        const answer = (await io.readStdin()).trim().toLowerCase();
        if (answer !== "yes") {
          io.stderr("intake keys pin-team: not confirmed: nothing pinned");
          return 1;
        }
      }
      setTeamPublicKey(dir, candidate.keyId, candidate.publicKey);
      io.stdout(`pinned team key ${candidate.keyId} as current in ${dir}/${MANIFEST_FILE}`);
      io.stdout(
        `Copy ${MANIFEST_FILE} to every work host (or run this there); screening workers use it within a minute.`,
      );
      return 0;
    });
  },
};

function fromArgument(keyId: string, text: string): Candidate | undefined {
  try {
    const publicKey = fromBase64url(text);
    return publicKey.length === 32 ? { keyId, publicKey, origin: "given on the command line" } : undefined;
  } catch {
    return undefined;
  }
}

/** The database's newest team key, or the one named; an exit code when there is none or no database. */
async function fromDatabase(
  io: CommandIo,
  keyId: string | undefined,
): Promise<Candidate | number | undefined> {
  const config = loadConfigOrReport(io);
  if (!config) return 2;
  const storage = connectStorage(config.mongo.uri);
  try {
    await storage.ping();
    const store = createStaffStore(storage.connection);
    const record = keyId
      ? (await store.listTeamKeys()).find((k) => k.keyId === keyId)
      : await store.currentTeamKey();
    if (!record) {
      io.stderr(
        keyId
          ? `intake keys pin-team: no team key ${keyId} in the database`
          : "intake keys pin-team: the database has no team key yet (intake staff add --admin makes one)",
      );
      return 1;
    }
    const candidate = fromArgument(record.keyId, record.publicKey);
    return candidate
      ? {
          ...candidate,
          origin: `from the database, made ${record.createdAt.toISOString().slice(0, 10)} by staff ${record.createdBy}`,
        }
      : undefined;
  } finally {
    await storage.close();
  }
}
