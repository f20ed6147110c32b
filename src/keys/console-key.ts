import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromBase64url, generateSecretKey, isKeyId, newKeyId, toBase64url } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import { ensureKeyDir, writePrivateFile } from "./key-directory.js";

/** `console.key` in the serve role's key directory: encrypts staff TOTP secrets at rest (never in MongoDB). */
export const CONSOLE_KEY_FILE = "console.key";

/** The console's at-rest key: 32 random bytes and its id. */
export interface ConsoleKey {
  readonly keyId: string;
  readonly key: Uint8Array;
}

interface ConsoleKeyFile {
  readonly format: 1;
  readonly name: "console";
  readonly current: string;
  readonly keys: Readonly<Record<string, string>>;
}

/**
 * Reads the console key from `dir`, creating it (0600, in a 0700 directory) when `create` is set and the file
 * is missing. Every `serve` host must hold the same file: copy it with the other serve-role keys. A MongoDB
 * dump without this file gives no TOTP secret.
 */
export function loadConsoleKey(dir: string, opts: { create: boolean }): ConsoleKey {
  const path = join(dir, CONSOLE_KEY_FILE);
  if (!existsSync(path)) {
    if (!opts.create) throw new AppError("KEY_MISSING", { detail: CONSOLE_KEY_FILE });
    ensureKeyDir(dir);
    const keyId = newKeyId();
    const file: ConsoleKeyFile = {
      format: 1,
      name: "console",
      current: keyId,
      keys: { [keyId]: toBase64url(generateSecretKey()) },
    };
    try {
      writePrivateFile(dir, CONSOLE_KEY_FILE, `${JSON.stringify(file, null, 2)}\n`, true);
    } catch (err) {
      // Another process made it first: read theirs.
      if ((err as { code?: unknown }).code !== "EEXIST") throw err;
    }
  }
  let parsed: Partial<ConsoleKeyFile>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<ConsoleKeyFile>;
  } catch (err) {
    throw new AppError("KEY_INVALID", { detail: CONSOLE_KEY_FILE, cause: err });
  }
  const current = parsed.current;
  const encoded = current && parsed.keys ? parsed.keys[current] : undefined;
  if (parsed.format !== 1 || parsed.name !== "console" || !current || !isKeyId(current) || !encoded) {
    throw new AppError("KEY_INVALID", { detail: CONSOLE_KEY_FILE });
  }
  const key = fromBase64url(encoded);
  if (key.length !== 32) throw new AppError("KEY_INVALID", { detail: CONSOLE_KEY_FILE });
  return { keyId: current, key };
}
