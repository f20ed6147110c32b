import twilio from "twilio";
import type { TwilioForm } from "./inbound.js";

/**
 * The URL Twilio signed: the configured public base URL + the route path + the query string as received.
 * Never built from the Host header or the scheme we see, which a proxy or an attacker controls: a
 * signature for another host or for http:// must not validate.
 */
export function signedUrl(publicBaseUrl: string, routePath: string, requestUrl: string): string {
  const q = requestUrl.indexOf("?");
  return `${publicBaseUrl.replace(/\/+$/, "")}${routePath}${q >= 0 ? requestUrl.slice(q) : ""}`;
}

/** Checks `X-Twilio-Signature` (HMAC-SHA1 of URL + sorted params, constant-time compare in twilio). */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | string[] | undefined,
  url: string,
  form: TwilioForm,
): boolean {
  if (typeof signature !== "string" || signature.length === 0 || signature.length > 200) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, form as Record<string, unknown>);
  } catch {
    return false;
  }
}
