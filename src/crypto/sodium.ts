import sodium from "libsodium-wrappers-sumo";
import { AppError } from "../errors/app-error.js";

let ready = false;

/**
 * Resolves once libsodium's WebAssembly is initialised. Await it once at start (server roles, the staff
 * console, test setup); every other function in `src/crypto` is synchronous and refuses to run before it.
 */
export async function cryptoReady(): Promise<void> {
  await sodium.ready;
  ready = true;
}

/** The initialised libsodium module; throws instead of failing obscurely when `cryptoReady()` was skipped. */
export function lib(): typeof sodium {
  if (!ready) throw new AppError("INTERNAL", { detail: "await cryptoReady() before using src/crypto" });
  return sodium;
}
