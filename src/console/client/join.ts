import { generateBoxKeyPair, newStaffSalt, toBase64url, wipe, wrapPersonalKey } from "../../crypto/index.js";
import { ApiError, api } from "./api.js";
import { field, h, nextFrame, replace } from "./dom.js";
import { derive } from "./keys.js";

/**
 * Redeeming an invitation: the member's passphrase, Argon2id keys and personal key pair are made here, in the
 * member's browser; the server gets the authentication key, the public key and the wrapped personal secret, and
 * answers the new TOTP secret to this page only. Nobody else sees the passphrase or the TOTP secret.
 */
export function renderJoin(root: HTMLElement, onDone: () => void): void {
  const username = h("input", { attrs: { id: "join-username", autocomplete: "username", required: "" } });
  const code = h("input", { attrs: { id: "join-code", autocomplete: "off", required: "" } });
  const passphrase = h("input", {
    attrs: {
      id: "join-passphrase",
      type: "password",
      autocomplete: "new-password",
      minlength: "12",
      required: "",
    },
  });
  const again = h("input", {
    attrs: { id: "join-passphrase-again", type: "password", autocomplete: "new-password", required: "" },
  });
  const status = h("p", { class: "status", attrs: { id: "join-status", role: "status" } });
  const form = h(
    "form",
    {
      class: "card login",
      attrs: { id: "join-form" },
      on: {
        submit: (event) => {
          event.preventDefault();
          void submit();
        },
      },
    },
    h("h1", null, "Join with an invitation"),
    field("Sign-in name", username),
    field("Invitation code", code),
    field("Choose a passphrase (12+ characters; nobody else ever sees it)", passphrase),
    field("Passphrase again", again),
    h("button", { attrs: { type: "submit", id: "join-submit" } }, "Create my keys"),
    status,
  );

  async function submit(): Promise<void> {
    status.className = "status";
    if (passphrase.value.length < 12 || passphrase.value !== again.value) {
      status.className = "status error";
      status.textContent = "The passphrases must match and have 12 or more characters.";
      return;
    }
    status.textContent = "Deriving keys…";
    await nextFrame();
    const name = username.value.trim().toLowerCase();
    // The deployment's usual cost, as /api/salt gives it for a name with no account yet.
    const cost = await api<{ opsLimit: number; memLimit: number }>(
      "GET",
      `/salt?username=${encodeURIComponent(name)}`,
    );
    const id = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    const kdf = { kdfSalt: toBase64url(newStaffSalt()), kdfOps: cost.opsLimit, kdfMem: cost.memLimit };
    let keys: ReturnType<typeof derive>;
    try {
      keys = derive(passphrase.value, kdf);
    } catch {
      status.className = "status error";
      status.textContent = "Could not derive keys with this deployment's settings.";
      return;
    }
    const personal = generateBoxKeyPair();
    try {
      const result = await api<{ username: string; totpSecret: string; totpUri: string }>("POST", "/join", {
        id,
        username: name,
        code: code.value.trim(),
        ...kdf,
        authKey: toBase64url(keys.authKey),
        personalPublicKey: toBase64url(personal.publicKey),
        wrappedPersonalSecret: wrapPersonalKey(keys.unwrapKey, id, personal.secretKey),
      });
      passphrase.value = "";
      again.value = "";
      replace(
        root,
        h(
          "div",
          { class: "card login", attrs: { id: "joined" } },
          h("h1", null, "Your account is ready"),
          h("p", null, "Add this secret to your authenticator app now. It is shown only here, only once:"),
          h("p", null, h("code", { attrs: { id: "join-totp-secret" } }, result.totpSecret)),
          h("p", null, h("code", { class: "uri" }, result.totpUri)),
          h(
            "p",
            null,
            "Then sign in. An admin must confirm your key's fingerprint before you can open requests.",
          ),
          h("button", { attrs: { type: "button", id: "join-done" }, on: { click: onDone } }, "Go to sign-in"),
        ),
      );
    } catch (err) {
      status.className = "status error";
      status.textContent =
        err instanceof ApiError && err.status === 429
          ? "Too many attempts. Wait and try again."
          : "That name and code do not match an open invitation.";
    } finally {
      wipe(keys.authKey, keys.unwrapKey, personal.secretKey);
    }
  }

  replace(root, form);
  username.focus();
}
