import { AppError } from "../errors/app-error.js";
import { lib } from "./sodium.js";

/**
 * Plaintexts are padded (ISO/IEC 7816-4, `sodium_pad`) to a multiple of this many bytes before encryption,
 * so a 1-character and a 200-character answer give ciphertexts of equal length. Fixed by the format version.
 */
export const PAD_BLOCK = 256;

/** Pads to PAD_BLOCK. The caller wipes the result after encrypting it. */
export function pad(message: Uint8Array): Uint8Array {
  return lib().pad(message, PAD_BLOCK);
}

/** Removes padding; a bad pad after successful authentication means a broken writer, reported as malformed. */
export function unpad(padded: Uint8Array): Uint8Array {
  try {
    return lib().unpad(padded, PAD_BLOCK);
  } catch (err) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "padding", cause: err });
  }
}
