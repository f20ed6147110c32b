import type { Connection } from "mongoose";
import { AppError } from "../errors/app-error.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { type RequestClaimDoc, requestClaimModel } from "./request-model.js";

/** How long a claim protects a version before another writer may assume its holder died. */
const claimLeaseMs = 30_000;
const maxClaimAttempts = 20;

/**
 * Takes the claim on `version` of `subject` (a request id, or `senderSubject(hash)` for a sender's index
 * document; see requestClaimSchema) and returns the claim's id; CONFLICT if a live writer holds it.
 */
export type Claim = (subject: string, version: number) => Promise<string>;

/** The claim subject of a sender's index document: cannot be a request id we mint (22 characters). */
export function senderSubject(senderHash: string): string {
  return `sender-${senderHash}`;
}

/** Claims over `connection`'s request_claims collection. */
export function createClaim(connection: Connection, clock: () => Date): Claim {
  const Claims = requestClaimModel(connection);
  return async (subject, version) => {
    for (let attempt = 0; attempt < maxClaimAttempts; attempt++) {
      const id = `${subject}:${version}:${attempt}`;
      try {
        await Claims.create({
          _id: id,
          requestId: subject,
          version,
          leaseUntil: new Date(clock().getTime() + claimLeaseMs),
        });
        return id;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const held = await Claims.findById(id).lean<RequestClaimDoc>();
        if (held && held.leaseUntil.getTime() > clock().getTime()) throw new AppError("CONFLICT");
        // That writer's lease ran out before it updated (it died): supersede it with the next attempt.
      }
    }
    throw new AppError("CONFLICT");
  };
}
