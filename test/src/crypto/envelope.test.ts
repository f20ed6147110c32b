import { beforeAll, describe, expect, it } from "vitest";
import {
  type BoxKeyPair,
  cryptoReady,
  decryptField,
  decryptState,
  encryptField,
  encryptState,
  fromBase64url,
  generateBoxKeyPair,
  generateSecretKey,
  type Keyring,
  newDataKey,
  openDataKey,
  openIntake,
  openOutbound,
  openTeamKey,
  sealDataKey,
  sealIntake,
  sealOutbound,
  sealTeamKey,
  toBase64url,
  unwrapPersonalKey,
  wrapPersonalKey,
} from "../../../src/crypto/index.js";
import { AppError } from "../../../src/errors/app-error.js";
import type { ErrorCode } from "../../../src/errors/codes.js";

await cryptoReady();

/** Runs `fn` and returns the AppError code it threw; fails the test if it returned or threw something else. */
function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error("expected a failure, but it opened");
}

const ring = <K>(keyId: string, key: K): Keyring<K> => ({ current: keyId, keys: new Map([[keyId, key]]) });

interface Kind {
  readonly name: string;
  /** Makes an envelope for record `id` holding `text`. */
  readonly make: (id: string, text: string) => string;
  /** Opens it for record `id` and returns the text. */
  readonly open: (id: string, envelope: string) => string;
  /** Opens under another field of the same record, where the kind has fields. */
  readonly openOtherField?: (id: string, envelope: string) => string;
}

const intakePair = generateBoxKeyPair();
const outboundPair = generateBoxKeyPair();
const teamPair = generateBoxKeyPair();
const staffPair = generateBoxKeyPair();
const stateKey = generateSecretKey();
const unwrapKey = generateSecretKey();
const dataKey = newDataKey();
const enc = new TextEncoder();
const dec = new TextDecoder();
const key32 = (text: string) => {
  const k = new Uint8Array(32);
  k.set(enc.encode(text).subarray(0, 32));
  return k;
};
const fromKey32 = (k: Uint8Array) => dec.decode(k).replace(/\0+$/, "");

const kinds: Kind[] = [
  {
    name: "intake (sealed)",
    make: (id, t) => sealIntake(ring("in1", intakePair.publicKey), id, t),
    open: (id, e) => openIntake(ring<BoxKeyPair>("in1", intakePair), id, e),
  },
  {
    name: "outbound (sealed)",
    make: (id, t) => sealOutbound(ring("out1", outboundPair.publicKey), id, t),
    open: (id, e) => openOutbound(ring<BoxKeyPair>("out1", outboundPair), id, e),
  },
  {
    name: "state (aead)",
    make: (id, t) => encryptState(ring("st1", stateKey), id, t),
    open: (id, e) => decryptState(ring("st1", stateKey), id, e),
  },
  {
    name: "field (aead, data key)",
    make: (id, t) => encryptField(dataKey, id, "answer", t),
    open: (id, e) => decryptField(dataKey, id, "answer", e),
    openOtherField: (id, e) => decryptField(dataKey, id, "note", e),
  },
  {
    name: "datakey (sealed to team)",
    make: (id, t) => sealDataKey({ keyId: "tm1", key: teamPair.publicKey }, id, key32(t)),
    open: (id, e) => fromKey32(openDataKey(ring<BoxKeyPair>("tm1", teamPair), id, e)),
  },
  {
    name: "teamkey (sealed to staff)",
    make: (id, t) =>
      sealTeamKey({ keyId: "p1", key: staffPair.publicKey }, id, { keyId: "tm1", key: key32(t) }),
    open: (id, e) => fromKey32(openTeamKey({ keyId: "p1", key: staffPair }, id, e).key.secretKey),
  },
  {
    name: "personal (wrapped)",
    make: (id, t) => wrapPersonalKey(unwrapKey, id, key32(t)),
    open: (id, e) => fromKey32(unwrapPersonalKey(unwrapKey, id, e).secretKey),
  },
];

/** Which codes a change at each part of `v1.<purpose>.<keyId>.<payload>` may produce: all fail closed. */
function allowedCodes(envelope: string, position: number): ErrorCode[] {
  const dots = [...envelope.matchAll(/\./g)].map((m) => m.index);
  const [d0 = 0, d1 = 0, d2 = 0] = dots;
  if (dots.includes(position)) return ["CRYPTO_MALFORMED"];
  if (position < d0) return ["CRYPTO_VERSION", "CRYPTO_MALFORMED"];
  if (position < d1) return ["CRYPTO_MALFORMED"];
  if (position < d2) return ["CRYPTO_KEY_ID", "CRYPTO_MALFORMED"];
  return ["CRYPTO_AUTH", "CRYPTO_MALFORMED"];
}

function splitEnvelope(envelope: string): { header: string; payload: Uint8Array } {
  const cut = envelope.lastIndexOf(".");
  return { header: envelope.slice(0, cut + 1), payload: fromBase64url(envelope.slice(cut + 1)) };
}

describe.each(kinds)("envelope $name", (kind) => {
  let envelope = "";
  beforeAll(() => {
    envelope = kind.make("rec-1", "short");
  });

  it("round-trips and carries version, purpose and key id in a base64url text form", () => {
    expect(kind.open("rec-1", envelope)).toBe("short");
    expect(envelope).toMatch(/^v1\.[a-z]+\.[a-z0-9-]+\.[A-Za-z0-9_-]+$/);
  });

  it("fails closed when any single character of the text is changed", () => {
    for (let i = 0; i < envelope.length; i++) {
      const flipped = String.fromCharCode(envelope.charCodeAt(i) ^ 1);
      const tampered = envelope.slice(0, i) + flipped + envelope.slice(i + 1);
      expect(allowedCodes(envelope, i), `position ${i}`).toContain(
        codeOf(() => kind.open("rec-1", tampered)),
      );
    }
  });

  it("fails authentication when any single byte of the payload is changed", () => {
    const { header, payload } = splitEnvelope(envelope);
    for (let i = 0; i < payload.length; i++) {
      const bytes = payload.slice();
      bytes[i] = (bytes[i] ?? 0) ^ 0x80;
      expect(
        codeOf(() => kind.open("rec-1", header + toBase64url(bytes))),
        `byte ${i}`,
      ).toBe("CRYPTO_AUTH");
    }
  });

  it.each([1, 16, 100])("fails authentication when %i payload bytes are cut off", (cut) => {
    const { header, payload } = splitEnvelope(envelope);
    expect(
      codeOf(() => kind.open("rec-1", header + toBase64url(payload.subarray(0, payload.length - cut)))),
    ).toBe("CRYPTO_AUTH");
  });

  it("fails when the text is truncated anywhere", () => {
    for (const length of [0, 1, 3, 8, envelope.length - 1, envelope.length - 2, envelope.length - 5]) {
      expect(["CRYPTO_MALFORMED", "CRYPTO_AUTH", "CRYPTO_VERSION"]).toContain(
        codeOf(() => kind.open("rec-1", envelope.slice(0, length))),
      );
    }
  });

  it("does not open under another record id", () => {
    expect(codeOf(() => kind.open("rec-2", envelope))).toBe("CRYPTO_AUTH");
  });

  it("does not open when swapped with another record's envelope", () => {
    const other = kind.make("rec-2", "other");
    expect(codeOf(() => kind.open("rec-1", other))).toBe("CRYPTO_AUTH");
    expect(codeOf(() => kind.open("rec-2", envelope))).toBe("CRYPTO_AUTH");
  });

  it.each([
    ["v2", "CRYPTO_VERSION"],
    ["v0", "CRYPTO_VERSION"],
    ["v10", "CRYPTO_VERSION"],
    ["V1", "CRYPTO_MALFORMED"],
    ["", "CRYPTO_MALFORMED"],
  ] as const)("fails closed on version %j with %s", (version, code) => {
    expect(codeOf(() => kind.open("rec-1", version + envelope.slice(2)))).toBe(code);
  });

  it("refuses extra parts, non-strings and padding", () => {
    expect(codeOf(() => kind.open("rec-1", `${envelope}.x`))).toBe("CRYPTO_MALFORMED");
    expect(codeOf(() => kind.open("rec-1", `${envelope}=`))).toBe("CRYPTO_MALFORMED");
    expect(codeOf(() => kind.open("rec-1", undefined as unknown as string))).toBe("CRYPTO_MALFORMED");
  });
});

// Key material is fixed-size; everything that carries text is padded.
const textKinds = kinds.filter((k) =>
  ["intake", "outbound", "state", "field"].some((p) => k.name.startsWith(p)),
);

describe.each(textKinds)("padding of $name", (kind) => {
  it("a 1-character and a 200-character value give equal-length envelopes", () => {
    expect(kind.make("rec-1", "a".repeat(200)).length).toBe(kind.make("rec-1", "a").length);
  });

  it("a 300-character value gives a longer envelope (padding is to 256-byte blocks)", () => {
    expect(kind.make("rec-1", "a".repeat(300)).length).toBeGreaterThan(kind.make("rec-1", "a").length);
  });
});

describe("envelopes of one kind are not accepted as another", () => {
  it.each(kinds.flatMap((a) => kinds.filter((b) => b !== a).map((b) => [a.name, b.name, a, b] as const)))(
    "%s given to %s",
    (_a, _b, a, b) => {
      expect(codeOf(() => b.open("rec-1", a.make("rec-1", "x")))).toBe("CRYPTO_MALFORMED");
    },
  );
});

describe("fields of one request", () => {
  it("do not open under another field name", () => {
    const kind = kinds.find((k) => k.openOtherField);
    const e = kind?.make("rec-1", "x") ?? "";
    expect(codeOf(() => kind?.openOtherField?.("rec-1", e))).toBe("CRYPTO_AUTH");
  });
});
