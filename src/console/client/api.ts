/** A refusal from the console API: the stable code and status (never server internals). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly retryAfter: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
let onUnauthenticated: () => void = () => {};

/** Sets the CSRF token state-changing calls carry (the session's, once signed in). */
export function setCsrf(token: string): void {
  csrfToken = token;
}

/** What to do when a call answers 401 (the session ended: idle timeout, absolute limit, sign-out elsewhere). */
export function setOnUnauthenticated(fn: () => void): void {
  onUnauthenticated = fn;
}

/**
 * Calls the console API with JSON; POSTs carry the CSRF token in a header. `background` marks automatic
 * refreshes, which the server does not count as activity (so an unattended console still times out).
 */
export async function api<T>(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  options: { background?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.background) headers["x-background-refresh"] = "1";
  if (method === "POST") {
    headers["content-type"] = "application/json";
    headers["x-csrf-token"] = csrfToken;
  }
  const res = await fetch(`/staff/api${path}`, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const retry = res.headers.get("retry-after");
    const err = new ApiError(
      res.status,
      typeof data.error === "string" ? data.error : "ERROR",
      retry ? Number(retry) : undefined,
      typeof data.message === "string" ? data.message : `Request failed (${res.status})`,
    );
    if (res.status === 401 && path !== "/login" && path !== "/me") onUnauthenticated();
    throw err;
  }
  return data as T;
}
