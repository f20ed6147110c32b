import { backend, type CryptoBackend, setBackend } from "./backend.js";
import { loadBackend } from "./backend-native.js";

let loading: Promise<void> | undefined;

/**
 * Loads libsodium once: the native library (sodium-native) in Node, its WebAssembly build in the browser
 * (the bundler maps `backend-native.ts` to `backend-wasm.ts`, package.json "browser"). Await it once at
 * start (server roles, the staff console, test setup); every other function in `src/crypto` is synchronous
 * and refuses to run before it.
 */
export function cryptoReady(): Promise<void> {
  loading ??= loadBackend().then(setBackend);
  return loading;
}

/** The loaded libsodium; throws INTERNAL when `cryptoReady()` was skipped. */
export function lib(): CryptoBackend {
  return backend();
}

/** `n` bytes from libsodium's `randombytes_buf` (the OS CSPRNG); nothing is pooled in JavaScript. */
export function randomBytes(n: number): Uint8Array {
  return backend().randomBytes(n);
}
