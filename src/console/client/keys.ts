import {
  type BoxKeyPair,
  deriveStaffKeys,
  fromBase64url,
  type Keyring,
  type KeyWithId,
  openTeamKey,
  publicKeyOf,
  toBase64url,
  unwrapPersonalKey,
  wipe,
} from "../../crypto/index.js";

/** The wrapped keys the server returns after sign-in (nothing here opens anything without the passphrase). */
export interface KeyBundle {
  kdfSalt: string;
  kdfOps: number;
  kdfMem: number;
  personalPublicKey: string;
  wrappedPersonalSecret: string;
  teamKeyId: string;
  sealedTeamSecret: string;
}

/** Key id of the personal key in `teamkey` envelopes (src/console/staff-enrolment.ts). */
export const PERSONAL_KEY_ID = "pk";
const storageKey = "hrd-intake.team";

let team: KeyWithId<BoxKeyPair> | undefined;

/**
 * Unwraps the personal key with the passphrase-derived unwrapping key, opens the team key with it, and keeps
 * the team key for this tab only (memory, plus sessionStorage so a reload does not ask again; the tab's
 * storage is cleared on sign-out and when the tab closes). The unwrapping and personal keys are wiped.
 */
export function unlockTeamKey(staffId: string, unwrapKey: Uint8Array, bundle: KeyBundle): void {
  const personal = unwrapPersonalKey(unwrapKey, staffId, bundle.wrappedPersonalSecret);
  try {
    team = openTeamKey({ keyId: PERSONAL_KEY_ID, key: personal }, staffId, bundle.sealedTeamSecret);
    sessionStorage.setItem(
      storageKey,
      JSON.stringify({ keyId: team.keyId, secret: toBase64url(team.key.secretKey) }),
    );
  } finally {
    wipe(personal.secretKey, unwrapKey);
  }
}

/** Derives both passphrase keys with the account's salt and cost. */
export function derive(passphrase: string, bundle: Pick<KeyBundle, "kdfSalt" | "kdfOps" | "kdfMem">) {
  return deriveStaffKeys(passphrase, fromBase64url(bundle.kdfSalt), {
    opsLimit: bundle.kdfOps,
    memLimit: bundle.kdfMem,
  });
}

/** The unlocked team key (from memory or this tab's sessionStorage), or undefined. */
export function teamKey(): KeyWithId<BoxKeyPair> | undefined {
  if (team) return team;
  const raw = sessionStorage.getItem(storageKey);
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { keyId: string; secret: string };
    const secretKey = fromBase64url(v.secret);
    team = { keyId: v.keyId, key: { secretKey, publicKey: publicKeyOf(secretKey) } };
    return team;
  } catch {
    sessionStorage.removeItem(storageKey);
    return undefined;
  }
}

/** The team key as a keyring for `openDataKey`. */
export function teamRing(): Keyring<BoxKeyPair> {
  const t = teamKey();
  if (!t) throw new Error("team key locked");
  return { current: t.keyId, keys: new Map([[t.keyId, t.key]]) };
}

/** Forgets the team key (sign-out, session end). */
export function forgetKeys(): void {
  if (team) wipe(team.key.secretKey);
  team = undefined;
  sessionStorage.removeItem(storageKey);
}
