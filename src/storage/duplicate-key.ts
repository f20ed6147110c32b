/** True when `err` is MongoDB's duplicate-key error (E11000), which idempotent writes treat as "already done". */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (code === 11000 || code === 11001) return true;
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  return Array.isArray(writeErrors) && writeErrors.some((w) => isDuplicateKeyError(w));
}
