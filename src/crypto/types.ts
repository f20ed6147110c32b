/** Every kind of envelope, by the purpose in its header. */
export type SealPurpose = "intake" | "outbound" | "datakey" | "teamkey";
export type CipherPurpose = "state" | "field" | "personal";
export type Purpose = SealPurpose | CipherPurpose;

/**
 * A value sealed to an X25519 public key (`crypto_box_seal`). Branded so that storage and queues, which accept
 * only `Sealed<...>`, cannot be handed plaintext by accident. Only functions in `src/crypto` mint these.
 */
export type Sealed<P extends SealPurpose> = string & { readonly __brand: `sealed:${P}` };

/** A value encrypted with a symmetric key (XChaCha20-Poly1305 IETF). Branded like `Sealed`. */
export type Ciphertext<P extends CipherPurpose> = string & { readonly __brand: `ciphertext:${P}` };

/** A keyed BLAKE2b hash of a channel identity, base64url. Safe as a Redis key or database field. */
export type LookupHash = string & { readonly __brand: "lookup-hash" };

/** An X25519 key pair as raw bytes. */
export interface BoxKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/**
 * All loaded versions of one key: `current` names the id new writes use; `keys` holds every id that can still
 * be read (old ids stay after rotation). `K` is `Uint8Array` for public or symmetric keys, `BoxKeyPair` for
 * X25519 secrets.
 */
export interface Keyring<K> {
  readonly current: string;
  readonly keys: ReadonlyMap<string, K>;
}

/** One key with its id, e.g. the team public key the screening worker seals data keys to. */
export interface KeyWithId<K> {
  readonly keyId: string;
  readonly key: K;
}
