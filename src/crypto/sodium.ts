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

/**
 * `n` random bytes from the platform CSPRNG (Web Crypto `getRandomValues`, global in browsers and Node 20).
 * libsodium.js fetches randomness from JS 4 bytes at a time (about 0.5 ms per nonce in Node), which made
 * encryption 10x slower than decryption; its own `randombytes_buf` is the fallback.
 */
export function randomBytes(n: number): Uint8Array {
  const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
  if (webCrypto && typeof webCrypto.getRandomValues === "function" && n <= 65536) {
    return webCrypto.getRandomValues(new Uint8Array(n));
  }
  return lib().randombytes_buf(n);
}
