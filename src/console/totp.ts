import { Secret, TOTP } from "otpauth";

/** Issuer shown in authenticator apps. */
export const TOTP_ISSUER = "hrd-intake";

/** A new random TOTP secret (160 bits, base32), stored with the staff account. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, username: string): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: username,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
}

/** The otpauth:// URI an authenticator app scans or imports. */
export function totpUri(secret: string, username: string): string {
  return totpFor(secret, username).toString();
}

/**
 * Checks a 6-digit code at `now`, accepting one step either side for clock drift. Returns the time step the
 * code belongs to (so the caller can refuse a replay of the same step), or undefined when it is wrong.
 */
export function checkTotp(secret: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpFor(secret, "x").validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  return Math.floor(now / 30_000) + delta;
}

/** The current code, for tests and the CLI's first-run check. */
export function currentTotp(secret: string, now: number): string {
  return totpFor(secret, "x").generate({ timestamp: now });
}
