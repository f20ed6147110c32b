import { type ErrorCode, errorCodes } from "./codes.js";

/**
 * An expected failure with a stable code. Its message is fixed per code and carries no user data,
 * so it is always safe to log or to return to a client.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, options?: { cause?: unknown; detail?: string }) {
    const entry = errorCodes[code];
    super(options?.detail ? `${entry.message} (${options.detail})` : entry.message, {
      cause: options?.cause,
    });
    this.code = code;
    this.status = entry.status;
  }
}

/** True when `err` is an AppError, optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
