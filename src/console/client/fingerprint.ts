/**
 * A short fingerprint of a personal public key (base64url): the first 8 bytes of its SHA-256 in four groups of
 * four hex digits. The admin and the member compare it (in person or by phone) before the admin's browser
 * seals the team key to that public key, so a server that swapped the key would be caught. With `bytes` = 20
 * it is the team key fingerprint `intake keys pin-team` prints.
 */
export async function fingerprint(publicKeyB64url: string, bytes = 8): Promise<string> {
  const b64 = publicKeyB64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const hex = Array.from(digest.subarray(0, bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  return hex.match(/.{4}/g)?.join(" ") ?? hex;
}
