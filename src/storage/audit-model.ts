import { type Connection, type InferSchemaType, type Model, Schema } from "mongoose";

/**
 * One audit event. Content-free: who (staff id or "system"), what (an action code), on which request, with
 * details that are ids and codes only. `hash` chains it to the previous event (see audit.ts).
 * `_id` is the sequence number itself, so no ObjectId creation time is stored beside `at`.
 */
export const auditSchema = new Schema(
  {
    _id: { type: Number, required: true },
    seq: { type: Number, required: true, min: 1 },
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    action: { type: String, required: true },
    requestId: { type: String, default: null },
    details: { type: Schema.Types.Mixed, required: true, default: {} },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
    // Keyed link (row 30): "hmac-sha256" and the audit key id. Absent on legacy (SHA-256) events.
    alg: { type: String },
    keyId: { type: String },
  },
  {
    collection: "audit",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    minimize: false,
    autoIndex: false,
    autoCreate: false,
  },
);

auditSchema.index({ seq: 1 }, { unique: true, name: "seq_unique" });
auditSchema.index({ requestId: 1, seq: 1 }, { name: "request_seq" });
auditSchema.index({ actor: 1, seq: 1 }, { name: "actor_seq" });

/**
 * The newest verified position of the chain, kept apart from the events: deleting the last events of the
 * chain (truncation) leaves no gap, so `verifyAuditChain` compares against this anchor.
 */
export const auditHeadSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
    // HMAC of (seq, hash) under the audit key `keyId`: a head moved back by hand no longer verifies.
    keyId: { type: String },
    mac: { type: String },
  },
  {
    collection: "audit_head",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    autoIndex: false,
    autoCreate: false,
  },
);

export type AuditDoc = InferSchemaType<typeof auditSchema>;
export type AuditHeadDoc = InferSchemaType<typeof auditHeadSchema>;
export type AuditModel = Model<AuditDoc>;
export type AuditHeadModel = Model<AuditHeadDoc>;

/** The audit events model bound to `connection`. */
export function auditModel(connection: Connection): AuditModel {
  const existing = connection.models.AuditEvent as AuditModel | undefined;
  return existing ?? connection.model<AuditDoc>("AuditEvent", auditSchema);
}

/** The audit chain anchor model bound to `connection`. */
export function auditHeadModel(connection: Connection): AuditHeadModel {
  const existing = connection.models.AuditHead as AuditHeadModel | undefined;
  return existing ?? connection.model<AuditHeadDoc>("AuditHead", auditHeadSchema);
}
