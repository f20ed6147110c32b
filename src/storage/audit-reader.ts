import type { Connection } from "mongoose";
import { auditModel } from "./audit-model.js";

/** An audit event as the admin view lists it (ids and codes only, as stored). */
export interface AuditRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly requestId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Reads the newest audit events for the admin page. The storage module's AuditLog appends, verifies and lists
 * per request; this adds the cross-request "latest first" view the console needs, read-only.
 */
export function createAuditReader(connection: Connection): { latest(limit: number): Promise<AuditRow[]> } {
  const Audit = auditModel(connection);
  return {
    async latest(limit) {
      const docs = await Audit.find({}).sort({ seq: -1 }).limit(limit).lean();
      return docs.map((d) => ({
        seq: d.seq,
        at: d.at.toISOString(),
        actor: d.actor,
        action: d.action,
        requestId: d.requestId ?? null,
        details: (d.details ?? {}) as Record<string, unknown>,
      }));
    },
  };
}
