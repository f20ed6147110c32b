import { AppError } from "../errors/app-error.js";

/** Every status of a protection request, in workflow order. */
export const requestStatuses = [
  "new",
  "in_review",
  "pending_referral",
  "referred",
  "declined",
  "closed",
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/**
 * The only status changes allowed (from → to). Anything else, including a status to itself, is refused.
 * `declined` and `closed` are final; `referred` may still be closed once the partner has taken the case.
 */
export const statusTransitions: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  new: ["in_review"],
  in_review: ["pending_referral", "declined", "closed"],
  pending_referral: ["referred", "declined", "closed"],
  referred: ["closed"],
  declined: [],
  closed: [],
};

/** Statuses in which a request is still being worked on: duplicate links point at these. */
export const openStatuses: readonly RequestStatus[] = ["new", "in_review", "pending_referral", "referred"];

/** Statuses that start the retention clock: entering one sets `retentionUntil`. */
export const retentionStatuses: readonly RequestStatus[] = ["referred", "declined", "closed"];

/** True when `from → to` is in the table. */
export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return statusTransitions[from].includes(to);
}

/** Throws INVALID_TRANSITION unless `from → to` is allowed. */
export function assertTransition(from: RequestStatus, to: RequestStatus): void {
  if (!canTransition(from, to)) throw new AppError("INVALID_TRANSITION", { detail: `${from} -> ${to}` });
}
