import { toBase64url, wipe } from "../../crypto/index.js";
import { ApiError, api, setCsrf } from "./api.js";
import { field, h, nextFrame, replace } from "./dom.js";
import { derive, KdfBelowFloorError, type KeyBundle, unlockTeamKey } from "./keys.js";
import { type Me, setMe } from "./session.js";

/**
 * The sign-in form. The passphrase never leaves the page: Argon2id (with the salt the server gives for this
 * name) turns it into an authentication key, which is sent, and an unwrapping key, which opens the team key
 * here after the server accepts the authentication key and the TOTP code.
 */
export function renderLogin(root: HTMLElement, onDone: () => void, notice?: string): void {
  const username = h("input", {
    attrs: { name: "username", autocomplete: "username", required: "", id: "username" },
  });
  const passphrase = h("input", {
    attrs: {
      name: "passphrase",
      type: "password",
      autocomplete: "current-password",
      required: "",
      id: "passphrase",
    },
  });
  const totp = h("input", {
    attrs: {
      name: "totp",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9]{6}",
      required: "",
      id: "totp",
    },
  });
  const status = h("p", { class: "status", attrs: { id: "login-status", role: "status" } }, notice ?? "");
  const button = h("button", { attrs: { type: "submit", id: "login-submit" } }, "Sign in");

  const form = h(
    "form",
    {
      class: "card login",
      attrs: { id: "login-form" },
      on: {
        submit: (event) => {
          event.preventDefault();
          void submit();
        },
      },
    },
    h("h1", null, "Sign in"),
    field("Name", username),
    field("Passphrase", passphrase),
    field("Authenticator code", totp),
    button,
    status,
    h("p", null, h("a", { attrs: { href: "#/join", id: "join-link" } }, "I have an invitation")),
  );

  async function submit(): Promise<void> {
    button.disabled = true;
    status.className = "status";
    status.textContent = "Deriving keys…";
    await nextFrame();
    try {
      const name = username.value.trim();
      const salt = await api<{ salt: string; opsLimit: number; memLimit: number }>(
        "GET",
        `/salt?username=${encodeURIComponent(name)}`,
      );
      const keys = derive(passphrase.value, {
        kdfSalt: salt.salt,
        kdfOps: salt.opsLimit,
        kdfMem: salt.memLimit,
      });
      let result: Me;
      try {
        result = await api<Me>("POST", "/login", {
          username: name,
          authKey: toBase64url(keys.authKey),
          totp: totp.value.trim(),
        });
      } catch (err) {
        wipe(keys.authKey, keys.unwrapKey);
        throw err;
      }
      wipe(keys.authKey);
      // An invited member whose key no admin has confirmed yet has no team key to open.
      if (result.keys.sealedTeamSecret === "") wipe(keys.unwrapKey);
      else unlockTeamKey(result.staff.id, keys.unwrapKey, result.keys);
      passphrase.value = "";
      setCsrf(result.csrf);
      setMe(result);
      onDone();
    } catch (err) {
      status.className = "status error";
      status.textContent =
        err instanceof ApiError && err.status === 429
          ? `Too many failed attempts. Wait ${err.retryAfter ?? "a few"} seconds and try again.`
          : err instanceof ApiError && err.status === 401
            ? "Name, passphrase or code is wrong."
            : err instanceof KdfBelowFloorError
              ? "This account's key settings are below this deployment's minimum. Ask an admin."
              : "Sign-in failed.";
      totp.value = "";
      button.disabled = false;
    }
  }

  replace(root, form);
  username.focus();
}

/** Unlock form for a live session whose tab lost the team key (new tab): passphrase only, no server call. */
export function renderUnlock(root: HTMLElement, who: Me, onDone: () => void, onSignOut: () => void): void {
  const passphrase = h("input", {
    attrs: {
      name: "passphrase",
      type: "password",
      autocomplete: "current-password",
      required: "",
      id: "unlock-passphrase",
    },
  });
  const status = h("p", { class: "status", attrs: { role: "status" } });
  const form = h(
    "form",
    {
      class: "card login",
      on: {
        submit: (event) => {
          event.preventDefault();
          void (async () => {
            status.textContent = "Deriving keys…";
            await nextFrame();
            try {
              const keys = derive(passphrase.value, who.keys);
              wipe(keys.authKey);
              unlockTeamKey(who.staff.id, keys.unwrapKey, who.keys as KeyBundle);
              passphrase.value = "";
              onDone();
            } catch {
              status.className = "status error";
              status.textContent = "That passphrase does not open your key.";
            }
          })();
        },
      },
    },
    h("h1", null, "Unlock"),
    h("p", null, "Enter your passphrase to decrypt requests in this tab."),
    field("Passphrase", passphrase),
    h("button", { attrs: { type: "submit" } }, "Unlock"),
    h("button", { class: "secondary", attrs: { type: "button" }, on: { click: onSignOut } }, "Sign out"),
    status,
  );
  replace(root, form);
  passphrase.focus();
}
