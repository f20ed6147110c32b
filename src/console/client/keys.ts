import {
  type Argon2Params,
  type BoxKeyPair,
  deriveStaffKeys,
  fromBase64url,
  type Keyring,
  type KeyWithId,
  openTeamKey,
  unwrapPersonalKey,
  wipe,
} from "../../crypto/index.js";
import { meetsKdfFloor } from "../kdf-floor.js";

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
/**
 * The unlocked team key lives in this module's memory for the page's life and nowhere else: not in
 * sessionStorage, localStorage or IndexedDB, which Chromium writes to the profile on disk (a removed
 * sessionStorage entry stays readable in its LevelDB log). A reload or a new tab asks for the passphrase
 * again; see docs/security.md "A seized staff laptop".
 */
let team: KeyWithId<BoxKeyPair> | undefined;

/**
 * Unwraps the personal key with the passphrase-derived unwrapping key, opens the team key with it, and keeps
 * the team key in page memory only. The unwrapping and personal keys are wiped.
 */
export function unlockTeamKey(staffId: string, unwrapKey: Uint8Array, bundle: KeyBundle): void {
  const personal = unwrapPersonalKey(unwrapKey, staffId, bundle.wrappedPersonalSecret);
  try {
    team = openTeamKey({ keyId: PERSONAL_KEY_ID, key: personal }, staffId, bundle.sealedTeamSecret);
  } finally {
    wipe(personal.secretKey, unwrapKey);
  }
}

/** The deployment's Argon2id floor, compiled into this bundle (src/console/assets.ts, kdf-floor.ts). */
declare const __KDF_FLOOR__: Argon2Params;

/** Thrown instead of deriving when the server names a cost below the floor compiled into this page. */
export class KdfBelowFloorError extends Error {
  constructor() {
    super("key derivation cost below this deployment's minimum");
  }
}

/**
 * Derives both passphrase keys with the account's salt and cost, refusing a cost below the compiled-in floor:
 * a server (or database) that names a cheaper cost gets nothing derived, so it cannot harvest a fast-to-crack
 * authentication key or make the browser wrap a personal key weakly.
 */
export function derive(passphrase: string, bundle: Pick<KeyBundle, "kdfSalt" | "kdfOps" | "kdfMem">) {
  if (!meetsKdfFloor({ opsLimit: bundle.kdfOps, memLimit: bundle.kdfMem }, __KDF_FLOOR__)) {
    throw new KdfBelowFloorError();
  }
  return deriveStaffKeys(passphrase, fromBase64url(bundle.kdfSalt), {
    opsLimit: bundle.kdfOps,
    memLimit: bundle.kdfMem,
  });
}

/** The unlocked team key (page memory only), or undefined. */
export function teamKey(): KeyWithId<BoxKeyPair> | undefined {
  return team;
}

/** Older team keys opened through the rotation chain (page memory only, like the current one). */
const older = new Map<string, BoxKeyPair>();
let chainFor: string | undefined;

/** One entry of `GET /api/team-keys`. */
export interface TeamKeyLink {
  keyId: string;
  publicKey: string;
  previousKeyId: string | null;
  sealedPrevious: string | null;
}

/**
 * Opens every older team key reachable from the current one: each rotation stored the previous secret sealed
 * to the new key (bound to `team:<keyId>`), so requests sealed before a rotation stay readable.
 */
export function openChain(links: readonly TeamKeyLink[]): void {
  const t = team;
  if (!t || chainFor === t.keyId) return;
  let at = links.find((k) => k.keyId === t.keyId);
  let holder: KeyWithId<BoxKeyPair> = t;
  while (at?.sealedPrevious && at.previousKeyId && !older.has(at.previousKeyId)) {
    const prev = openTeamKey(holder, `team:${holder.keyId}`, at.sealedPrevious);
    older.set(prev.keyId, prev.key);
    holder = prev;
    at = links.find((k) => k.keyId === prev.keyId);
  }
  chainFor = t.keyId;
}

/** After this tab rotated the team key: the new key becomes current, the old one joins the older keys. */
export function adoptRotatedKey(next: KeyWithId<BoxKeyPair>): void {
  if (team) older.set(team.keyId, team.key);
  team = next;
  chainFor = next.keyId;
}

/** True once the older keys for the current team key have been opened. */
export function chainOpened(): boolean {
  return team !== undefined && chainFor === team.keyId;
}

/** The team key, and every older one opened through the chain, as a keyring for `openDataKey`. */
export function teamRing(): Keyring<BoxKeyPair> {
  const t = teamKey();
  if (!t) throw new Error("team key locked");
  return { current: t.keyId, keys: new Map([...older, [t.keyId, t.key]]) };
}

/** Forgets the team key (sign-out, session end). */
export function forgetKeys(): void {
  if (team) wipe(team.key.secretKey);
  team = undefined;
  for (const k of older.values()) wipe(k.secretKey);
  older.clear();
  chainFor = undefined;
}
