import { timingSafeEqual } from "node:crypto";
import type { FastifyHelmetOptions } from "@fastify/helmet";

/** Path the browser posts CSP violation reports to (report-uri; Chromium delivers these at once). */
export const CSP_REPORT_PATH = "/staff/csp-report";

/**
 * The console's Content Security Policy. Everything from our own origin, no inline script or style, no
 * framing, forms only to ourselves, no <base>. `'wasm-unsafe-eval'` is there because libsodium compiles its
 * WebAssembly in the browser; it allows WebAssembly compilation only, not eval of JavaScript.
 */
export const cspDirectives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameSrc: ["'none'"],
  workerSrc: ["'self'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  reportUri: [CSP_REPORT_PATH],
} as const;

/** @fastify/helmet options for every /staff response. */
export function helmetOptions(): FastifyHelmetOptions {
  const directives: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(cspDirectives)) directives[k] = [...v];
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    referrerPolicy: { policy: "no-referrer" },
    frameguard: { action: "deny" },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
  };
}

/** Cookie attributes for the session and pre-session CSRF cookies. */
export function cookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return {
    path: "/staff",
    httpOnly: true,
    sameSite: "strict" as const,
    secure,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

/** Constant-time comparison of two tokens (false for different lengths or a missing value). */
export function tokensEqual(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== "string" || typeof b !== "string" || a.length === 0) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
