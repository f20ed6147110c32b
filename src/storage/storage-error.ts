import mongoose from "mongoose";
import { AppError } from "../errors/app-error.js";

const safePath = /^[A-Za-z0-9_.]{1,80}$/;

/**
 * Translates mongoose's validation, cast and strict-mode errors into a BAD_REQUEST that names only the
 * offending paths. Mongoose puts the rejected *value* into its messages, and a value may be content or an
 * identity, so the original error is not kept as `cause`. Other errors (network, server) pass through.
 */
export function translateStorageError(err: unknown): unknown {
  if (err instanceof mongoose.Error.ValidationError) {
    const paths = Object.keys(err.errors).filter((p) => safePath.test(p));
    return new AppError("BAD_REQUEST", { detail: `invalid fields: ${paths.join(", ") || "(unnamed)"}` });
  }
  if (err instanceof mongoose.Error.CastError) {
    return new AppError("BAD_REQUEST", {
      detail: `invalid field: ${safePath.test(err.path) ? err.path : "(unnamed)"}`,
    });
  }
  if (err instanceof mongoose.Error.StrictModeError) {
    return new AppError("BAD_REQUEST", { detail: "field not in schema" });
  }
  if (err instanceof mongoose.Error.StrictPopulateError || err instanceof mongoose.Error.ValidatorError) {
    return new AppError("BAD_REQUEST", { detail: "invalid value" });
  }
  return err;
}

/** Runs `fn`, rethrowing storage errors in their content-free form. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateStorageError(err);
  }
}
