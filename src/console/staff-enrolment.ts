import { hash, verify } from "@node-rs/argon2";
import {
  type Argon2Params,
  deriveStaffKeys,
  generateBoxKeyPair,
  newKeyId,
  newStaffSalt,
  sealTeamKey,
  toBase64url,
  wipe,
  wrapPersonalKey,
} from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import { newStaffId, normaliseUsername, type StaffAccount, type StaffStore } from "../storage/staff.js";
import { newTotpSecret, totpUri } from "./totp.js";
import { sealTotpSecret, type TotpKey } from "./totp-at-rest.js";

/**
 * Key id of every staff member's personal key pair in the `teamkey` envelopes sealed to it. A passphrase
 * change re-wraps the same pair, so the id never needs to change.
 */
export const PERSONAL_KEY_ID = "pk";

/** What the browser (or the CLI) hands the server for a new account: public or wrapped values only. */
export interface StaffKeyMaterial {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly admin: boolean;
  readonly kdfSalt: string;
  readonly kdfOps: number;
  readonly kdfMem: number;
  /** The authentication key (32 bytes); hashed here with Argon2id and then dropped. */
  readonly authKey: Uint8Array;
  readonly personalPublicKey: string;
  readonly wrappedPersonalSecret: string;
  readonly teamKeyId: string;
  readonly sealedTeamSecret: string;
}

/** Argon2id settings for the server's hash of authentication keys (OWASP's 19 MiB, 2 passes minimum). */
const authHashOptions = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Hashes an authentication key for storage (async, off the event loop). The key is hashed in its base64url
 * form: @node-rs/argon2's verify refuses byte strings that are not valid UTF-8.
 */
export function hashAuthKey(authKey: Uint8Array): Promise<string> {
  return hash(Buffer.from(authKey).toString("base64url"), authHashOptions);
}

/** Checks an authentication key against its stored hash (constant-time inside Argon2). */
export function verifyAuthKey(authHash: string, authKey: Uint8Array): Promise<boolean> {
  return verify(authHash, Buffer.from(authKey).toString("base64url"));
}

/**
 * Stores a new account from key material made elsewhere (the admin's browser, or `createFirstAdmin`), with a
 * fresh TOTP secret. Returns the account and the otpauth URI, shown once to whoever enrols the member.
 */
export async function registerStaff(
  store: StaffStore,
  material: StaffKeyMaterial,
  totpKey: TotpKey,
): Promise<{ account: StaffAccount; totpUri: string; totpSecret: string }> {
  const username = normaliseUsername(material.username);
  if (!username) throw new AppError("BAD_REQUEST", { detail: "username" });
  const displayName = material.displayName.trim();
  if (displayName.length < 1 || displayName.length > 80)
    throw new AppError("BAD_REQUEST", { detail: "name" });
  if (material.authKey.length !== 32) throw new AppError("BAD_REQUEST", { detail: "auth key" });
  const totpSecret = newTotpSecret();
  const account = await store.create({
    id: material.id,
    username,
    displayName,
    admin: material.admin,
    kdfSalt: material.kdfSalt,
    kdfOps: material.kdfOps,
    kdfMem: material.kdfMem,
    authHash: await hashAuthKey(material.authKey),
    totpSecret: sealTotpSecret(totpKey, material.id, totpSecret),
    personalPublicKey: material.personalPublicKey,
    wrappedPersonalSecret: material.wrappedPersonalSecret,
    teamKeyId: material.teamKeyId,
    sealedTeamSecret: material.sealedTeamSecret,
  });
  return { account, totpUri: totpUri(totpSecret, username), totpSecret };
}

/**
 * Creates an account from a passphrase in Node (the `intake staff add` path), deriving keys with the same
 * src/crypto code the browser uses. The first account must be an admin: it creates the team key pair, seals
 * the team secret to the admin's personal key at once, wipes it, and publishes the team public key in
 * `team_keys`. Later accounts need an admin's browser (the team secret exists nowhere else), so this refuses.
 * Call `cryptoReady()` first.
 */
export async function createStaffFromPassphrase(
  store: StaffStore,
  input: {
    username: string;
    displayName: string;
    admin: boolean;
    passphrase: string;
    kdf: Argon2Params;
    /** The console key (src/keys/console-key.ts) the TOTP secret is encrypted with. */
    totpKey: TotpKey;
  },
): Promise<{ account: StaffAccount; totpUri: string; totpSecret: string; teamKeyCreated: boolean }> {
  if (input.passphrase.length < 12)
    throw new AppError("BAD_REQUEST", { detail: "passphrase under 12 characters" });
  const existingTeamKey = await store.currentTeamKey();
  if (existingTeamKey) {
    throw new AppError("FORBIDDEN", {
      detail: "a team key exists: add further staff in the console (Admin, Staff), where an admin wraps it",
    });
  }
  if (!input.admin)
    throw new AppError("BAD_REQUEST", { detail: "the first account must be an admin (--admin)" });

  const id = newStaffId();
  const salt = newStaffSalt();
  const { authKey, unwrapKey } = deriveStaffKeys(input.passphrase, salt, input.kdf);
  const personal = generateBoxKeyPair();
  const team = generateBoxKeyPair();
  const teamKeyId = newKeyId();
  try {
    const sealedTeamSecret = sealTeamKey({ keyId: PERSONAL_KEY_ID, key: personal.publicKey }, id, {
      keyId: teamKeyId,
      key: team.secretKey,
    });
    const registered = await registerStaff(
      store,
      {
        id,
        username: input.username,
        displayName: input.displayName,
        admin: true,
        kdfSalt: toBase64url(salt),
        kdfOps: input.kdf.opsLimit,
        kdfMem: input.kdf.memLimit,
        authKey,
        personalPublicKey: toBase64url(personal.publicKey),
        wrappedPersonalSecret: wrapPersonalKey(unwrapKey, id, personal.secretKey),
        teamKeyId,
        sealedTeamSecret,
      },
      input.totpKey,
    );
    // Published only once the admin who can open it exists.
    await store.addTeamKey({ keyId: teamKeyId, publicKey: toBase64url(team.publicKey), createdBy: id });
    return { ...registered, teamKeyCreated: true };
  } finally {
    wipe(authKey, unwrapKey, personal.secretKey, team.secretKey);
  }
}
