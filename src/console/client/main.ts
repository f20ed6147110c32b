import { cryptoReady } from "../../crypto/index.js";
import { renderAdmin, renderPassphrase } from "./admin.js";
import { ApiError, api, setCsrf, setOnUnauthenticated } from "./api.js";
import { byId, h, replace } from "./dom.js";
import { fingerprint } from "./fingerprint.js";
import { renderJoin } from "./join.js";
import { chainOpened, forgetKeys, openChain, type TeamKeyLink, teamKey } from "./keys.js";
import { renderLogin, renderUnlock } from "./login.js";
import { renderQueue } from "./queue.js";
import { closeRequest, renderRequest } from "./request.js";
import { type Me, me, setMe } from "./session.js";

/**
 * The console's entry point: a small single-page app with hash routes (#/queue, #/r/<id>, #/admin,
 * #/passphrase), so the unlocked team key stays in this tab's memory between views.
 */
async function start(): Promise<void> {
  await cryptoReady();
  watchIdle();
  setOnUnauthenticated(() => signedOut("Your session ended. Sign in again."));
  try {
    const who = await api<Me>("GET", "/me");
    setCsrf(who.csrf);
    setMe(who);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  window.addEventListener("hashchange", () => void route());
  await route();
}

/** The server's idle timeout; the page signs out on its own so decrypted content does not stay on screen. */
const IDLE_MS = 30 * 60_000;

function watchIdle(): void {
  let last = Date.now();
  const seen = () => {
    last = Date.now();
  };
  for (const type of ["pointerdown", "keydown", "wheel", "touchstart"]) {
    window.addEventListener(type, seen, { passive: true, capture: true });
  }
  setInterval(() => {
    if (me() && Date.now() - last > IDLE_MS) {
      void signOut("Signed out after 30 minutes without activity.");
    }
  }, 15_000);
}

function signedOut(notice?: string): void {
  forgetKeys();
  closeRequest();
  setMe(undefined);
  // The pre-sign-in CSRF token is in the page; a reload fetches a fresh page and cookie.
  if (notice) sessionStorage.setItem("hrd-intake.notice", notice);
  location.hash = "";
  location.reload();
}

async function signOut(notice?: string): Promise<void> {
  try {
    await api("POST", "/logout");
  } finally {
    signedOut(notice);
  }
}

function renderNav(): void {
  const nav = byId("nav");
  const who = me();
  if (!who) {
    nav.replaceChildren();
    return;
  }
  replace(
    nav,
    h("a", { attrs: { href: "#/queue", id: "nav-queue" } }, "Queue"),
    who.staff.admin ? h("a", { attrs: { href: "#/admin", id: "nav-admin" } }, "Admin") : null,
    h("a", { attrs: { href: "#/passphrase" } }, "Passphrase"),
    h("span", { class: "who" }, who.staff.displayName),
    h(
      "button",
      { class: "secondary", attrs: { type: "button", id: "sign-out" }, on: { click: () => void signOut() } },
      "Sign out",
    ),
  );
}

async function route(): Promise<void> {
  const root = byId("app");
  const who = me();
  renderNav();
  if (!who && location.hash === "#/join") {
    renderJoin(root, () => {
      location.hash = "";
    });
    return;
  }
  if (!who) {
    const notice = sessionStorage.getItem("hrd-intake.notice") ?? undefined;
    sessionStorage.removeItem("hrd-intake.notice");
    renderLogin(root, () => void route(), notice);
    return;
  }
  if (who.keys.sealedTeamSecret === "") {
    const print = h("code", { attrs: { id: "my-fingerprint" } }, "…");
    replace(
      root,
      h(
        "div",
        { class: "card login", attrs: { id: "pending" } },
        h("h1", null, "Waiting for an admin"),
        h("p", null, "Read this fingerprint to an admin; they confirm it before giving you access:"),
        h("p", null, print),
      ),
    );
    print.textContent = await fingerprint(who.keys.personalPublicKey);
    return;
  }
  if (!teamKey()) {
    renderUnlock(
      root,
      who,
      () => void route(),
      () => void signOut(),
    );
    return;
  }
  if (!chainOpened()) openChain((await api<{ keys: TeamKeyLink[] }>("GET", "/team-keys")).keys);
  closeRequest();
  const hash = location.hash.replace(/^#/, "");
  const path = hash.split("?")[0] ?? "";
  const flash = h("p", { attrs: { id: "flash", role: "status" }, class: "flash" });
  const view = h("div", { attrs: { id: "view" } });
  replace(root, flash, view);
  try {
    if (path.startsWith("/r/")) await renderRequest(view, decodeURIComponent(path.slice(3)));
    else if (path === "/admin" && who.staff.admin) await renderAdmin(view);
    else if (path === "/passphrase") renderPassphrase(view);
    else await renderQueue(view);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    replace(
      view,
      h(
        "p",
        { class: "error" },
        err instanceof ApiError && err.status === 404
          ? "Not found."
          : "Something went wrong loading this view.",
      ),
    );
  }
}

void start();
