import { randomBytes } from "node:crypto";
import { type Connection, type Model, Schema } from "mongoose";
import { AppError } from "../errors/app-error.js";

/**
 * A staff account. Holds what sign-in needs and the staff member's keys in wrapped form only: the server
 * cannot unwrap any of them (the unwrapping key is derived from the passphrase in the browser, and only a
 * slow hash of the separate authentication key is stored).
 */
export interface StaffAccount {
  readonly id: string;
  /** Lower-case sign-in name, unique. */
  readonly username: string;
  readonly displayName: string;
  readonly admin: boolean;
  readonly disabled: boolean;
  /** Per-staff Argon2id salt (base64url) for deriving the authentication and unwrapping keys. */
  readonly kdfSalt: string;
  /** Argon2id cost the keys were derived with (libsodium opslimit / memlimit in bytes). */
  readonly kdfOps: number;
  readonly kdfMem: number;
  /** Argon2id PHC string of the authentication key (never of the passphrase itself). */
  readonly authHash: string;
  /** TOTP secret: an envelope under the console key (src/console/totp-at-rest.ts); base32 in clear only in
   * accounts from before encryption at rest, sealed at their next sign-in. */
  readonly totpSecret: string;
  /** X25519 public key (base64url) the team secret is sealed to. */
  readonly personalPublicKey: string;
  /** The personal secret key, encrypted with the passphrase-derived unwrapping key. */
  readonly wrappedPersonalSecret: string;
  /** Team key id and the team secret key sealed to `personalPublicKey`. */
  readonly teamKeyId: string;
  readonly sealedTeamSecret: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Bumped on every change: updates name the version they read (single-document atomic updates). */
  readonly version: number;
}

/** Public team key record: the screening worker seals each request's data key to `publicKey`. */
export interface TeamKeyRecord {
  readonly keyId: string;
  /** X25519 public key, base64url. */
  readonly publicKey: string;
  readonly createdAt: Date;
  /** Staff id of the admin whose creation made this key. */
  readonly createdBy: string;
  /**
   * After a rotation: the key this one replaced, and its secret sealed to this key (bound to `team:<keyId>`),
   * so whoever opens this key also opens the older ones and every request sealed to them.
   */
  readonly previousKeyId?: string;
  readonly sealedPrevious?: string;
}

/**
 * An enrolment invitation: an admin names the member; the member redeems the one-time code in their own browser,
 * choosing their passphrase there. Only a hash of the code is stored; it expires and is deleted when used.
 */
export interface StaffInvitation {
  readonly username: string;
  readonly displayName: string;
  readonly admin: boolean;
  /** SHA-256 (base64url) of the one-time code. */
  readonly codeHash: string;
  readonly expiresAt: Date;
  readonly createdBy: string;
}

/** A new account; the caller mints `id` first because the wrapped keys are bound to it. */
export type NewStaffAccount = Omit<StaffAccount, "createdAt" | "updatedAt" | "version" | "disabled">;

/** The key material a passphrase change replaces. */
export interface StaffCredentialUpdate {
  readonly kdfSalt: string;
  readonly kdfOps: number;
  readonly kdfMem: number;
  readonly authHash: string;
  readonly personalPublicKey: string;
  readonly wrappedPersonalSecret: string;
  readonly teamKeyId: string;
  readonly sealedTeamSecret: string;
}

/** Staff accounts and team public keys. The only module that writes the `staff` and `team_keys` collections. */
export interface StaffStore {
  ensureIndexes(): Promise<void>;
  count(): Promise<number>;
  countAdmins(): Promise<number>;
  /** Creates an account; a taken username is CONFLICT. */
  create(account: NewStaffAccount): Promise<StaffAccount>;
  findById(id: string): Promise<StaffAccount | undefined>;
  findByUsername(username: string): Promise<StaffAccount | undefined>;
  list(): Promise<StaffAccount[]>;
  /** Disables (deleting the sealed team key) or re-enables an account. */
  setDisabled(id: string, disabled: boolean, expectedVersion: number): Promise<StaffAccount>;
  updateCredentials(
    id: string,
    update: StaffCredentialUpdate,
    expectedVersion: number,
  ): Promise<StaffAccount>;
  /** Stores an invitation for a free name (one open invitation per name: a new one replaces the old). */
  putInvitation(invitation: StaffInvitation): Promise<void>;
  /** Takes (deletes and returns) the open, unexpired invitation matching name and code hash, atomically. */
  takeInvitation(username: string, codeHash: string, now: Date): Promise<StaffInvitation | undefined>;
  /** Seals the team key to a member whose key an admin has confirmed (or re-seals it at rotation). */
  setTeamSecret(
    id: string,
    teamKeyId: string,
    sealedTeamSecret: string,
    expectedVersion: number,
  ): Promise<StaffAccount>;
  /** Replaces the stored TOTP secret (already encrypted by the caller); does not bump the version. */
  setTotpSecret(id: string, stored: string): Promise<void>;
  /** Stores a team public key; the first one written for a key id wins (idempotent). */
  addTeamKey(record: Omit<TeamKeyRecord, "createdAt">): Promise<TeamKeyRecord>;
  /** The newest team public key, or undefined before the first admin exists. */
  currentTeamKey(): Promise<TeamKeyRecord | undefined>;
  listTeamKeys(): Promise<TeamKeyRecord[]>;
}

interface StaffDoc extends Omit<StaffAccount, "id"> {
  _id: string;
}
interface TeamKeyDoc extends TeamKeyRecord {
  _id: string;
}

const staffSchema = new Schema<StaffDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    admin: { type: Boolean, required: true },
    disabled: { type: Boolean, required: true, default: false },
    kdfSalt: { type: String, required: true },
    kdfOps: { type: Number, required: true },
    kdfMem: { type: Number, required: true },
    authHash: { type: String, required: true },
    totpSecret: { type: String, required: true },
    personalPublicKey: { type: String, required: true },
    wrappedPersonalSecret: { type: String, required: true },
    // Empty while an invited member waits for an admin to confirm their key and seal the team key to it.
    teamKeyId: { type: String, default: "" },
    sealedTeamSecret: { type: String, default: "" },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { collection: "staff", versionKey: false, strict: "throw" },
);
staffSchema.index({ username: 1 }, { unique: true });

const teamKeySchema = new Schema<TeamKeyDoc>(
  {
    _id: { type: String, required: true },
    keyId: { type: String, required: true },
    publicKey: { type: String, required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
    previousKeyId: { type: String, required: false },
    sealedPrevious: { type: String, required: false },
  },
  { collection: "team_keys", versionKey: false, strict: "throw" },
);

interface InvitationDoc extends StaffInvitation {
  _id: string;
}

const invitationSchema = new Schema<InvitationDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    admin: { type: Boolean, required: true },
    codeHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: "staff_invitations", versionKey: false, strict: "throw" },
);

/** A new staff id (random, URL-safe); wrapped keys are bound to it, so it is minted before they are made. */
export function newStaffId(): string {
  return randomBytes(12).toString("base64url");
}

/** Canonical form of a sign-in name: trimmed, lower case; letters, digits, '.', '_' and '-', 2-40 chars. */
export function normaliseUsername(username: string): string | undefined {
  const u = username.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9._-]{1,39}$/.test(u) ? u : undefined;
}

/** Creates the store on the service's MongoDB connection. */
export function createStaffStore(connection: Connection): StaffStore {
  const staff = (connection.models.Staff ??
    connection.model<StaffDoc>("Staff", staffSchema)) as Model<StaffDoc>;
  const teamKeys = (connection.models.TeamKey ??
    connection.model<TeamKeyDoc>("TeamKey", teamKeySchema)) as Model<TeamKeyDoc>;

  const invitations = (connection.models.StaffInvitation ??
    connection.model<InvitationDoc>("StaffInvitation", invitationSchema)) as Model<InvitationDoc>;

  const toAccount = (doc: StaffDoc): StaffAccount => {
    const { _id, ...rest } = doc;
    return {
      id: _id,
      username: rest.username,
      displayName: rest.displayName,
      admin: rest.admin,
      disabled: rest.disabled,
      kdfSalt: rest.kdfSalt,
      kdfOps: rest.kdfOps,
      kdfMem: rest.kdfMem,
      authHash: rest.authHash,
      totpSecret: rest.totpSecret,
      personalPublicKey: rest.personalPublicKey,
      wrappedPersonalSecret: rest.wrappedPersonalSecret,
      teamKeyId: rest.teamKeyId,
      sealedTeamSecret: rest.sealedTeamSecret,
      createdAt: rest.createdAt,
      updatedAt: rest.updatedAt,
      version: rest.version,
    };
  };
  const toTeamKey = (doc: TeamKeyDoc): TeamKeyRecord => ({
    keyId: doc.keyId,
    publicKey: doc.publicKey,
    createdAt: doc.createdAt,
    createdBy: doc.createdBy,
    ...(doc.previousKeyId ? { previousKeyId: doc.previousKeyId } : {}),
    ...(doc.sealedPrevious ? { sealedPrevious: doc.sealedPrevious } : {}),
  });

  const updateVersioned = async (
    id: string,
    expectedVersion: number,
    set: Partial<StaffDoc>,
  ): Promise<StaffAccount> => {
    const doc = await staff
      .findOneAndUpdate(
        { _id: id, version: expectedVersion },
        { $set: { ...set, updatedAt: new Date() }, $inc: { version: 1 } },
        { returnDocument: "after" },
      )
      .lean<StaffDoc>()
      .exec();
    if (doc) return toAccount(doc);
    const exists = await staff.exists({ _id: id }).exec();
    throw new AppError(exists ? "CONFLICT" : "NOT_FOUND");
  };

  return {
    async ensureIndexes() {
      await staff.createCollection().catch(() => {});
      await teamKeys.createCollection().catch(() => {});
      await invitations.createCollection().catch(() => {});
      await staff.createIndexes();
      await teamKeys.createIndexes();
      await invitations.createIndexes();
    },
    count: () => staff.countDocuments({}).exec(),
    countAdmins: () => staff.countDocuments({ admin: true, disabled: false }).exec(),
    async create(account) {
      const username = normaliseUsername(account.username);
      if (!username) throw new AppError("BAD_REQUEST", { detail: "username" });
      const now = new Date();
      const { id, ...fields } = account;
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new AppError("BAD_REQUEST", { detail: "staff id" });
      const doc: StaffDoc = {
        _id: id,
        ...fields,
        username,
        disabled: false,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      try {
        await staff.collection.insertOne(doc as never);
      } catch (err) {
        if ((err as { code?: unknown }).code === 11000)
          throw new AppError("CONFLICT", { detail: "username" });
        throw err;
      }
      return toAccount(doc);
    },
    async findById(id) {
      const doc = await staff.findById(id).lean<StaffDoc>().exec();
      return doc ? toAccount(doc) : undefined;
    },
    async findByUsername(username) {
      const u = normaliseUsername(username);
      if (!u) return undefined;
      const doc = await staff.findOne({ username: u }).lean<StaffDoc>().exec();
      return doc ? toAccount(doc) : undefined;
    },
    async list() {
      const docs = await staff.find({}).sort({ username: 1 }).lean<StaffDoc[]>().exec();
      return docs.map(toAccount);
    },
    // Disabling deletes the member's sealed team key in the same update: a departed member's wrapped key opens
    // nothing the server still hands out, and re-enabling needs an admin to grant the team key again.
    setDisabled: (id, disabled, expectedVersion) =>
      updateVersioned(
        id,
        expectedVersion,
        disabled ? { disabled, teamKeyId: "", sealedTeamSecret: "" } : { disabled },
      ),
    updateCredentials: (id, update, expectedVersion) => updateVersioned(id, expectedVersion, { ...update }),
    async putInvitation(invitation) {
      const username = normaliseUsername(invitation.username);
      if (!username) throw new AppError("BAD_REQUEST", { detail: "username" });
      if (await staff.exists({ username }).exec()) throw new AppError("CONFLICT", { detail: "username" });
      // Expired invitations go when the next one is made (FerretDB has no TTL index; MongoDB would need none).
      await invitations.deleteMany({ expiresAt: { $lte: new Date() } }).exec();
      await invitations
        .replaceOne({ _id: username }, { ...invitation, _id: username, username }, { upsert: true })
        .exec();
    },
    async takeInvitation(username, codeHash, now) {
      const u = normaliseUsername(username);
      if (!u) return undefined;
      const doc = await invitations
        .findOneAndDelete({ _id: u, codeHash, expiresAt: { $gt: now } })
        .lean<InvitationDoc>()
        .exec();
      if (!doc) return undefined;
      const { _id, ...rest } = doc;
      return rest;
    },
    setTeamSecret: (id, teamKeyId, sealedTeamSecret, expectedVersion) =>
      updateVersioned(id, expectedVersion, { teamKeyId, sealedTeamSecret }),
    async setTotpSecret(id, stored) {
      await staff.updateOne({ _id: id }, { $set: { totpSecret: stored } }).exec();
    },
    async addTeamKey(record) {
      const doc: TeamKeyDoc = { _id: record.keyId, ...record, createdAt: new Date() };
      try {
        await teamKeys.collection.insertOne(doc as never);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 11000) throw err;
        const existing = await teamKeys.findById(record.keyId).lean<TeamKeyDoc>().exec();
        if (!existing) throw err;
        return toTeamKey(existing);
      }
      return toTeamKey(doc);
    },
    async currentTeamKey() {
      const doc = await teamKeys.findOne({}).sort({ createdAt: -1 }).lean<TeamKeyDoc>().exec();
      return doc ? toTeamKey(doc) : undefined;
    },
    async listTeamKeys() {
      const docs = await teamKeys.find({}).sort({ createdAt: 1 }).lean<TeamKeyDoc[]>().exec();
      return docs.map(toTeamKey);
    },
  };
}
