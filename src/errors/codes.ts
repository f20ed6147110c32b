/**
 * The one registry of error codes: stable names, the HTTP status each maps to at the edge, and a fixed
 * message that says what happened and what to do next. Messages never include user data.
 * Add new codes here; `docs/errors.md` is checked against this table by a test.
 */
export const errorCodes = {
  CONFIG_INVALID: { status: 500, message: "Configuration is invalid; see the listed variables" },
  KEY_MISSING: {
    status: 500,
    message: "A key this role needs is missing; run `intake keys init` or check KEYS_DIR",
  },
  KEY_INVALID: { status: 500, message: "A key file is malformed" },
  KEYS_EXIST: {
    status: 500,
    message: "Key files already exist there; refusing to overwrite (use `intake keys rotate`)",
  },
  KEY_REUSED: {
    status: 500,
    message: "Two different key purposes share the same key material; generate separate keys",
  },
  CRYPTO_VERSION: { status: 400, message: "Unknown envelope format version" },
  CRYPTO_KEY_ID: { status: 400, message: "Envelope names a key id that is not loaded" },
  CRYPTO_MALFORMED: { status: 400, message: "Envelope is malformed" },
  CRYPTO_AUTH: {
    status: 400,
    message: "Envelope failed authentication (tampered, truncated or wrong key/context)",
  },
  WEBHOOK_UNAUTHORIZED: { status: 401, message: "Webhook secret missing or wrong" },
  WEBHOOK_FORBIDDEN: { status: 403, message: "Webhook signature missing or invalid" },
  BAD_REQUEST: { status: 400, message: "Request is malformed" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "Request body is too large" },
  INTAKE_TOO_LARGE: {
    status: 500,
    message:
      "The intake is longer than its fixed size bucket; raise INTAKE_PADDED_BYTES or lower answer limits",
  },
  RATE_LIMITED: { status: 429, message: "Too many requests" },
  NOT_FOUND: { status: 404, message: "Not found" },
  CONFLICT: { status: 409, message: "The record changed since it was read; reload and try again" },
  INVALID_TRANSITION: { status: 409, message: "That status change is not allowed from the current status" },
  UNAUTHENTICATED: { status: 401, message: "Sign in first" },
  FORBIDDEN: { status: 403, message: "Not allowed" },
  DEPENDENCY_DOWN: { status: 503, message: "A dependency is unavailable" },
  INTERNAL: { status: 500, message: "Internal error" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
