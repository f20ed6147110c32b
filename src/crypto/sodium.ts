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

const POOL_BYTES = 4096;
const POOLED_MAX = 64;
let pool: Uint8Array<ArrayBuffer> | undefined;
let poolOffset = POOL_BYTES;

/**
 * `n` random bytes from the platform CSPRNG (Web Crypto `getRandomValues`, global in browsers and Node 20).
 * libsodium.js fetches randomness from JS 4 bytes at a time (about 0.5 ms per nonce in Node), which made
 * encryption 10x slower than decryption; its own `randombytes_buf` is the fallback.
 * Small requests (nonces, seeds, tokens) are served from a 4 KB block fetched at once: each call into
 * `getRandomValues` cost several microseconds, about a tenth of an ingress acknowledgement. Bytes handed
 * out are wiped from the block, so it holds only randomness not yet used (as a CSPRNG's own state does).
 */
export function randomBytes(n: number): Uint8Array {
  const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!webCrypto || typeof webCrypto.getRandomValues !== "function" || n > 65536) {
    return lib().randombytes_buf(n);
  }
  if (n > POOLED_MAX) return webCrypto.getRandomValues(new Uint8Array(n));
  if (!pool || poolOffset + n > POOL_BYTES) {
    pool ??= new Uint8Array(POOL_BYTES);
    webCrypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + n);
  pool.fill(0, poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}
