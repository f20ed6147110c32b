import { parseArgs } from "node:util";
import { createStaffFromPassphrase } from "../../src/console/staff-enrolment.js";
import { cryptoReady, fromBase64url, INTERACTIVE_ARGON2ID, STAFF_ARGON2ID } from "../../src/crypto/index.js";
import { isAppError } from "../../src/errors/app-error.js";
import { loadConsoleKey } from "../../src/keys/console-key.js";
import { keyFingerprint, setTeamPublicKey } from "../../src/keys/index.js";
import { connectStorage } from "../../src/storage/connection.js";
import { createStaffStore } from "../../src/storage/staff.js";
import { loadConfigOrReport } from "./roles.js";
import type { Command, CommandIo } from "./types.js";

const usage = `usage: intake staff add --name <sign-in name> --admin [--display-name <name>] [--kdf moderate|interactive] < passphrase

Creates the first staff account, which must be an admin: it also makes the team key pair, seals the team
secret to that admin's personal key at once (it is never written unwrapped), publishes the team public key
in the database for the console and pins it in KEYS_DIR/manifest.json for the screening worker (which seals
only to pinned keys; pin it on other work hosts with intake keys pin-team and the printed fingerprint). The passphrase is read from stdin (one line, at least 12
characters), so automation can pipe it in. Prints the TOTP secret and otpauth:// URI once: add it to an
authenticator app, then sign in at /staff. Add further staff in the console (Admin, Staff).`;

/** `intake staff add`: non-interactive creation of the first admin (flags + passphrase on stdin). */
export const staffAddCommand: Command = {
  path: ["staff", "add"],
  summary: "Create the first admin (and the team key); passphrase on stdin",
  usage,
  async run(io: CommandIo) {
    let values: { name?: string; admin?: boolean; "display-name"?: string; kdf?: string };
    try {
      ({ values } = parseArgs({
        args: [...io.args],
        options: {
          name: { type: "string" },
          admin: { type: "boolean" },
          "display-name": { type: "string" },
          kdf: { type: "string" },
        },
        strict: true,
      }));
    } catch {
      io.stderr(usage);
      return 2;
    }
    if (!values.name) {
      io.stderr("intake staff add: --name is required\n");
      io.stderr(usage);
      return 2;
    }
    const kdf =
      values.kdf === undefined || values.kdf === "moderate"
        ? STAFF_ARGON2ID
        : values.kdf === "interactive"
          ? INTERACTIVE_ARGON2ID
          : undefined;
    if (!kdf) {
      io.stderr("intake staff add: --kdf must be moderate or interactive");
      return 2;
    }
    const config = loadConfigOrReport(io);
    if (!config) return 2;
    const passphrase = (await io.readStdin()).replace(/\r?\n$/, "");

    const storage = connectStorage(config.mongo.uri);
    try {
      await storage.ping();
      const store = createStaffStore(storage.connection);
      await store.ensureIndexes();
      await cryptoReady();
      const result = await createStaffFromPassphrase(store, {
        username: values.name,
        displayName: values["display-name"] ?? values.name,
        admin: values.admin === true,
        passphrase,
        kdf,
        // The TOTP secret is stored encrypted under the serve role's console key (made here if missing).
        totpKey: loadConsoleKey(config.keysDir, { create: true }),
      });
      io.stdout(`created staff account '${result.account.username}' (id ${result.account.id}, admin)`);
      if (result.teamKeyCreated) {
        const team = await store.currentTeamKey();
        io.stdout(`created the team key ${team?.keyId ?? ""}: its secret is sealed to this admin only`);
        if (team) {
          // Row 27: the screening worker seals only to a team key pinned in its key directory, never to one
          // that is only in the database. This is the bootstrap pin; other hosts use intake keys pin-team.
          const publicKey = fromBase64url(team.publicKey);
          io.stdout(`team key fingerprint: ${keyFingerprint(publicKey)} (keep it to compare when pinning)`);
          try {
            setTeamPublicKey(config.keysDir, team.keyId, publicKey);
            io.stdout(
              `pinned the team public key in ${config.keysDir}: copy manifest.json to every work host`,
            );
          } catch {
            io.stdout(
              "no key manifest in KEYS_DIR yet: the team key is NOT pinned; run intake keys pin-team on each work host",
            );
          }
        }
      }
      io.stdout(`TOTP secret: ${result.totpSecret}`);
      io.stdout(`TOTP URI: ${result.totpUri}`);
      io.stdout("Add the secret to an authenticator app now: it is not shown again.");
      return 0;
    } catch (err) {
      if (isAppError(err)) {
        io.stderr(`intake staff add: ${err.message}`);
        return 1;
      }
      throw err;
    } finally {
      await storage.close();
    }
  },
};
