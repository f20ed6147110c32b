import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { isAppError } from "../../src/errors/app-error.js";
import {
  addServiceKey,
  filesByRole,
  generateKeys,
  listPublicKeys,
  MANIFEST_FILE,
  rotateKey,
  SERVICE_KEY_NAMES,
  type ServiceKeyName,
} from "../../src/keys/index.js";
import type { Command, CommandIo } from "./types.js";

/** Splits `--dir DIR` (or `--dir=DIR`) from the other arguments. */
function parseArgs(args: readonly string[]): { dir: string | undefined; rest: string[]; error?: string } {
  const rest: string[] = [];
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--dir") {
      const next = args[i + 1];
      if (next === undefined) return { dir, rest, error: "--dir needs a directory" };
      dir = next;
      i++;
    } else if (a.startsWith("--dir=")) {
      dir = a.slice("--dir=".length);
    } else if (a.startsWith("--")) {
      return { dir, rest, error: `unknown option ${a}` };
    } else {
      rest.push(a);
    }
  }
  return { dir, rest };
}

/**
 * The key directory: `--dir`, else KEYS_DIR from the config. Keys commands need no other configuration, so
 * the config is read in demo mode only for the KEYS_DIR default; problems with other variables do not matter.
 */
export function keysDir(io: CommandIo, dir: string | undefined): string | undefined {
  if (dir) return resolve(dir);
  try {
    return loadConfig({ ...io.env, INTAKE_MODE: "demo" }).keysDir;
  } catch (err) {
    if (err instanceof ConfigError) {
      if (io.env.KEYS_DIR) return resolve(io.env.KEYS_DIR);
      io.stderr("intake keys: cannot read the configuration; pass --dir DIR");
      return undefined;
    }
    throw err;
  }
}

/** Runs a keys command body, turning expected failures (AppError) into a message and exit code 1. */
export async function guarded(io: CommandIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (isAppError(err)) {
      io.stderr(`intake keys: ${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

const init: Command = {
  path: ["keys", "init"],
  summary: "Make the service keys (intake, state, lookup, outbound); refuses to overwrite",
  usage: "intake keys init [--dir DIR]",
  async run(io) {
    const args = parseArgs(io.args);
    if (args.error || args.rest.length > 0) {
      io.stderr(args.error ?? "usage: intake keys init [--dir DIR]");
      return 2;
    }
    const dir = keysDir(io, args.dir);
    if (!dir) return 2;
    return guarded(io, async () => {
      const ids = await generateKeys(dir);
      io.stdout(`intake keys: created in ${dir} (directory 0700, files 0600)`);
      for (const name of SERVICE_KEY_NAMES) io.stdout(`  ${name.padEnd(8)} key id ${ids[name]}`);
      io.stdout("");
      io.stdout("Give each role only its files:");
      io.stdout(`  serve (internet-facing): ${filesByRole.serve.join(", ")}`);
      io.stdout(`  work (screening, sender): ${filesByRole.work.join(", ")}`);
      io.stdout(
        `The team public key is added to ${MANIFEST_FILE} with the first admin (intake staff add --admin).`,
      );
      return 0;
    });
  },
};

const rotate: Command = {
  path: ["keys", "rotate"],
  summary: "Add a new version of a service key; old versions stay readable",
  usage: `intake keys rotate NAME [--dir DIR]   (NAME: ${SERVICE_KEY_NAMES.join(", ")})`,
  async run(io) {
    const args = parseArgs(io.args);
    const name = args.rest[0];
    if (args.error || args.rest.length !== 1 || !SERVICE_KEY_NAMES.includes(name as ServiceKeyName)) {
      io.stderr(
        args.error ?? `usage: intake keys rotate NAME [--dir DIR]   (NAME: ${SERVICE_KEY_NAMES.join(", ")})`,
      );
      return 2;
    }
    const dir = keysDir(io, args.dir);
    if (!dir) return 2;
    return guarded(io, async () => {
      const keyId = await rotateKey(dir, name as ServiceKeyName);
      io.stdout(`intake keys: ${name} rotated; new key id ${keyId} (older ids stay readable)`);
      io.stdout("Copy the updated files to the roles that hold them and restart those processes.");
      return 0;
    });
  },
};

const generate: Command = {
  path: ["keys", "generate"],
  summary: "Add a service key an existing directory lacks (e.g. audit); refuses to overwrite",
  usage: `intake keys generate NAME [--dir DIR]   (NAME: ${SERVICE_KEY_NAMES.join(", ")})`,
  async run(io) {
    const args = parseArgs(io.args);
    const name = args.rest[0];
    if (args.error || args.rest.length !== 1 || !SERVICE_KEY_NAMES.includes(name as ServiceKeyName)) {
      io.stderr(
        args.error ??
          `usage: intake keys generate NAME [--dir DIR]   (NAME: ${SERVICE_KEY_NAMES.join(", ")})`,
      );
      return 2;
    }
    const dir = keysDir(io, args.dir);
    if (!dir) return 2;
    return guarded(io, async () => {
      const keyId = await addServiceKey(dir, name as ServiceKeyName);
      const file = `${name}.key`;
      const roles = (["serve", "work"] as const).filter((r) => filesByRole[r].includes(file));
      io.stdout(`intake keys: created ${file} in ${dir}; key id ${keyId}`);
      io.stdout(`Copy ${file} and ${MANIFEST_FILE} to every ${roles.join(" and ")} host, then restart them.`);
      return 0;
    });
  },
};

const showPublic: Command = {
  path: ["keys", "show-public"],
  summary: "Print key ids and public keys from the manifest (never a secret)",
  usage: "intake keys show-public [--dir DIR]",
  async run(io) {
    const args = parseArgs(io.args);
    if (args.error || args.rest.length > 0) {
      io.stderr(args.error ?? "usage: intake keys show-public [--dir DIR]");
      return 2;
    }
    const dir = keysDir(io, args.dir);
    if (!dir) return 2;
    return guarded(io, async () => {
      for (const k of listPublicKeys(dir)) {
        const mark = k.current ? "*" : " ";
        io.stdout(
          `${mark} ${k.name.padEnd(8)} ${k.keyId}  ${k.created}  ${k.publicKey ?? "(symmetric: no public key)"}`,
        );
      }
      io.stdout("* = current (used for new writes)");
      return 0;
    });
  },
};

/** `intake keys ...`: make, rotate and inspect the service key directory. */
export const keysCommands: Command[] = [init, generate, rotate, showPublic];
