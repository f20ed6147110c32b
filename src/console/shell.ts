/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );
}

/**
 * The one HTML page of the console. It carries no data: the browser module renders every view from the JSON
 * API with DOM text nodes. The only value in it is the pre-sign-in CSRF token (double-submit: the same value
 * is in an HttpOnly cookie), escaped.
 */
export function renderShell(input: { csrfToken: string; assetVersion: string }): string {
  const v = escapeHtml(input.assetVersion);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="csrf-token" content="${escapeHtml(input.csrfToken)}">
<title>Protection queue · hrd-intake</title>
<link rel="stylesheet" href="/staff/assets/console.css?v=${v}">
<script type="module" src="/staff/assets/console.js?v=${v}"></script>
</head>
<body>
<header class="top"><span class="brand">hrd-intake · staff</span><nav id="nav"></nav></header>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<noscript><p>The console needs JavaScript: requests are decrypted in your browser, never on the server.</p></noscript>
</body>
</html>
`;
}
