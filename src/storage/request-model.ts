import { type Connection, type HydratedDocument, type InferSchemaType, type Model, Schema } from "mongoose";
import { reasonCodes, routeFlags, urgencyLevels } from "../screening/types.js";
import { dayPattern } from "./days.js";
import { envelopePattern, sealedKeyPattern } from "./opaque.js";
import { requestStatuses } from "./request-status.js";

/** Ids we mint (request, intake, staff, partner): letters, digits, '_' and '-'; never user text. */
export const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** A request's reference code as given to the defender, e.g. "K7QX-3MPA". */
export const referencePattern = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;
/** A lookup hash (keyed BLAKE2b, base64url). */
export const lookupHashPattern = /^[A-Za-z0-9_-]{16,128}$/;
/** A key id as written in envelope headers. */
export const keyIdPattern = /^[a-z0-9][a-z0-9-]{0,31}$/;

const day = { type: String, match: dayPattern } as const;

const noteSchema = new Schema(
  {
    content: { type: String, required: true, match: envelopePattern },
    day: { ...day, required: true },
    authorId: { type: String, required: true, match: idPattern },
  },
  { _id: false, strict: "throw", strictQuery: "throw" },
);

/**
 * A protection request. Every clear field is a code, an id we minted, a day or a hash; what the defender said
 * is in `content` (an envelope under the request's data key) and the data key is in `sealedKey` (sealed to
 * the team key). `strict: "throw"` refuses unknown fields instead of silently dropping them.
 * `allow-list.ts` lists exactly these paths; a test checks stored documents against it.
 */
export const requestSchema = new Schema(
  {
    _id: { type: String, required: true, match: idPattern },
    intakeId: { type: String, required: true, match: idPattern },
    reference: { type: String, required: true, match: referencePattern },
    status: { type: String, required: true, enum: requestStatuses },
    urgency: { type: String, required: true, enum: urgencyLevels },
    urgencyRank: { type: Number, required: true, min: 0, max: 2 },
    reasons: { type: [{ type: String, enum: reasonCodes }], default: [] },
    routes: { type: [{ type: String, enum: routeFlags }], default: [] },
    channel: { type: String, required: true, enum: ["telegram", "sms"] },
    lang: { type: String, required: true, enum: ["en", "fr", "es", "ar", "ru"] },
    createdDay: { ...day, required: true },
    updatedDay: { ...day, required: true },
    statusDay: { ...day, required: true },
    assignee: { type: String, match: idPattern, default: null },
    retentionUntil: { type: Date, default: null },
    // Dropped when the request closes, is erased or expires (row 28): then only its erasure key's tag links it.
    senderHash: { type: String, match: lookupHashPattern },
    lookupKeyId: { type: String, required: true, match: keyIdPattern },
    teamKeyId: { type: String, required: true, match: keyIdPattern },
    duplicateOf: { type: String, match: idPattern, default: null },
    relatedRequestIds: { type: [{ type: String, match: idPattern }], default: [] },
    version: { type: Number, required: true, min: 0 },
    content: { type: String, match: envelopePattern },
    // Written before erasure keys existed: the data key sealed to the team key, in clear of any other key.
    sealedKey: { type: String, match: sealedKeyPattern },
    // The team-sealed data key wrapped under the request's erasure key (src/crypto/erasure.ts, row 26).
    wrappedKey: { type: String, match: envelopePattern },
    notes: { type: [noteSchema], default: [] },
  },
  {
    collection: "requests",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    timestamps: false,
    minimize: false,
    autoIndex: false,
    autoCreate: false,
  },
);

requestSchema.index({ intakeId: 1 }, { unique: true, name: "intakeId_unique" });
requestSchema.index({ reference: 1 }, { unique: true, name: "reference_unique" });
requestSchema.index({ urgencyRank: 1, createdDay: 1, _id: 1 }, { name: "queue" });
requestSchema.index({ status: 1, urgencyRank: 1, createdDay: 1, _id: 1 }, { name: "queue_by_status" });
requestSchema.index({ assignee: 1, status: 1 }, { name: "assignee_status" });
requestSchema.index({ senderHash: 1, createdDay: 1 }, { name: "sender_day" });
requestSchema.index({ retentionUntil: 1 }, { name: "retention" });

export type RequestDoc = InferSchemaType<typeof requestSchema>;
export type RequestDocument = HydratedDocument<RequestDoc>;
export type RequestModel = Model<RequestDoc>;

/** The requests model bound to `connection` (registered once per connection). */
export function requestModel(connection: Connection): RequestModel {
  const existing = connection.models.ProtectionRequest as RequestModel | undefined;
  return existing ?? connection.model<RequestDoc>("ProtectionRequest", requestSchema);
}

/**
 * A claim on one version of one request, taken before changing it. FerretDB 1.24 evaluates an update's filter
 * and writes the result in separate steps, so two writers can both "match" {_id, version}; an insert under a
 * unique `_id` is atomic there as on MongoDB, so the claim is what lets exactly one writer move a version on.
 * `_id` is `<requestId>:<version>:<attempt>`; a claim whose lease ran out (its writer died) is superseded by the
 * next attempt. Holds ids, a number and a lease time only.
 */
export const requestClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    // A request id, or `sender-<lookup hash>` for a request_senders document (claims.ts `senderSubject`).
    requestId: { type: String, required: true, match: /^[A-Za-z0-9_-]{1,160}$/ },
    version: { type: Number, required: true, min: 0 },
    leaseUntil: { type: Date, required: true },
  },
  {
    collection: "request_claims",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    autoIndex: false,
    autoCreate: false,
  },
);

requestClaimSchema.index({ requestId: 1, version: 1 }, { name: "request_version" });

export type RequestClaimDoc = InferSchemaType<typeof requestClaimSchema>;
export type RequestClaimModel = Model<RequestClaimDoc>;

/** The request claims model bound to `connection`. */
export function requestClaimModel(connection: Connection): RequestClaimModel {
  const existing = connection.models.RequestClaim as RequestClaimModel | undefined;
  return existing ?? connection.model<RequestClaimDoc>("RequestClaim", requestClaimSchema);
}

/**
 * The request ids of one sender, keyed by the sender's lookup hash (one document per hash a request was stored
 * under). The screening worker looks for a sender's earlier requests on every job; FerretDB 1.24 (SQLite)
 * serves only a plain `_id` equality from its index and reads and decodes every request document for any
 * other filter, so the lookup goes through this document. It lists a superset of the sender's stored
 * requests (an id is added before its request is inserted); readers check each request itself. Changed only
 * under a claim on its `version` (see requestClaimSchema), because FerretDB loses concurrent `$addToSet`s.
 * Holds a hash and ids only.
 */
export const requestSenderSchema = new Schema(
  {
    _id: { type: String, required: true, match: lookupHashPattern },
    requestIds: { type: [{ type: String, match: idPattern }], default: [] },
    version: { type: Number, required: true, min: 0 },
  },
  {
    collection: "request_senders",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    autoIndex: false,
    autoCreate: false,
  },
);

export type RequestSenderDoc = InferSchemaType<typeof requestSenderSchema>;
export type RequestSenderModel = Model<RequestSenderDoc>;

/** The request senders model bound to `connection`. */
export function requestSenderModel(connection: Connection): RequestSenderModel {
  const existing = connection.models.RequestSender as RequestSenderModel | undefined;
  return existing ?? connection.model<RequestSenderDoc>("RequestSender", requestSenderSchema);
}
