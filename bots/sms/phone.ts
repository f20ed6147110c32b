import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js";

/**
 * Normalises a phone number to E.164 (`+33612345678`) so one person always gets one lookup hash, whatever
 * format it arrived in. Twilio sends `From` in E.164; other forms (national, with spaces, `00` prefix)
 * are read against `defaultCountry` (Twilio's `FromCountry`). Returns undefined unless libphonenumber
 * says the number is valid: "12" parses as +112 but is not a number.
 */
export function normalisePhone(raw: string, defaultCountry?: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed.length === 0 || trimmed.length > 40) return undefined;
  const country = defaultCountry?.toUpperCase();
  const parsed =
    country && isSupportedCountry(country)
      ? parsePhoneNumberFromString(trimmed, country as CountryCode)
      : parsePhoneNumberFromString(trimmed);
  if (!parsed?.isValid()) return undefined;
  return parsed.number;
}
