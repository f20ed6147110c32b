import {
  fromBase64url,
  generateBoxKeyPair,
  newKeyId,
  newStaffSalt,
  sealTeamKey,
  toBase64url,
  unwrapPersonalKey,
  wipe,
  wrapPersonalKey,
} from "../../crypto/index.js";
import { ApiError, api } from "./api.js";
import { field, flash, h, nextFrame, replace } from "./dom.js";
import { fingerprint } from "./fingerprint.js";
import { adoptRotatedKey, derive, PERSONAL_KEY_ID, teamKey, unlockTeamKey } from "./keys.js";
import { rewrapSection } from "./rewrap.js";
import { me } from "./session.js";

interface StaffRow {
  id: string;
  username: string;
  displayName: string;
  admin: boolean;
  disabled: boolean;
  createdDay: string;
  version: number;
  pending: boolean;
  personalPublicKey: string;
}

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

function _randomId(bytes: number): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * Admin: staff (a new member's keys are made here and the team key is sealed to their new personal key in this
 * browser; the server only stores wrapped keys and mints their TOTP secret), the audit log with chain
 * verification, and queue health.
 */
export async function renderAdmin(root: HTMLElement): Promise<void> {
  const staffBody = h("tbody", { attrs: { id: "staff-rows" } });
  const auditBody = h("tbody", { attrs: { id: "audit-rows" } });
  const verifyOut = h("p", { attrs: { id: "audit-verify" }, class: "status" });
  const health = h("pre", { attrs: { id: "health" }, class: "health" });
  const enrolled = h("div", { attrs: { id: "enrolled" } });

  const loadStaff = async () => {
    const { staff } = await api<{ staff: StaffRow[] }>("GET", "/admin/staff");
    const prints = await Promise.all(staff.map((s) => (s.pending ? fingerprint(s.personalPublicKey) : "")));
    staffBody.replaceChildren(
      ...staff.map((s, i) =>
        h(
          "tr",
          { attrs: { "data-username": s.username } },
          h("td", null, s.username),
          h("td", null, s.displayName),
          h("td", null, s.admin ? "admin" : "staff"),
          h(
            "td",
            null,
            s.disabled
              ? "disabled"
              : s.pending
                ? h(
                    "span",
                    null,
                    "waiting: key ",
                    h("code", { attrs: { "data-fingerprint": s.username } }, prints[i] ?? ""),
                    " ",
                    h(
                      "button",
                      {
                        attrs: { type: "button", id: `grant-${s.username}` },
                        on: { click: () => void grant(s, prints[i] ?? "") },
                      },
                      "Fingerprint matches: give access",
                    ),
                  )
                : "active",
          ),
          h("td", null, s.createdDay),
          h(
            "td",
            null,
            s.id === me()?.staff.id
              ? "you"
              : h(
                  "button",
                  {
                    attrs: { type: "button", class: "secondary" },
                    on: {
                      click: () =>
                        void api("POST", `/admin/staff/${encodeURIComponent(s.id)}/disabled`, {
                          disabled: !s.disabled,
                          version: s.version,
                        }).then(loadStaff, () => flash("That did not work.", "error")),
                    },
                  },
                  s.disabled ? "Enable" : "Disable",
                ),
          ),
        ),
      ),
    );
  };

  const loadAudit = async () => {
    const { entries } = await api<{ entries: AuditEntry[] }>("GET", "/admin/audit?limit=200");
    auditBody.replaceChildren(
      ...entries.map((e) =>
        h(
          "tr",
          null,
          h("td", null, e.seq),
          h("td", null, e.at),
          h("td", null, e.actor),
          h("td", null, e.action),
          h("td", null, e.requestId ?? ""),
          h("td", null, JSON.stringify(e.details)),
        ),
      ),
    );
  };

  const username = h("input", { attrs: { id: "new-username", name: "username", required: "" } });
  const displayName = h("input", { attrs: { id: "new-display-name", name: "displayName", required: "" } });
  const isAdmin = h("input", { attrs: { id: "new-admin", type: "checkbox", name: "admin" } });
  const addForm = h(
    "form",
    {
      attrs: { id: "add-staff" },
      on: {
        submit: (e) => {
          e.preventDefault();
          void invite();
        },
      },
    },
    field("Sign-in name", username),
    field("Display name", displayName),
    h("label", { class: "check" }, isAdmin, " Admin"),
    h("button", { attrs: { type: "submit", id: "add-staff-submit" } }, "Invite"),
  );

  /** Invites a member: they choose their own passphrase and get their own TOTP secret in their browser. */
  async function invite(): Promise<void> {
    try {
      const result = await api<{ code: string; expiresAt: string }>("POST", "/admin/invitations", {
        username: username.value.trim(),
        displayName: displayName.value.trim(),
        admin: isAdmin.checked,
      });
      replace(
        enrolled,
        h(
          "div",
          { class: "card enrolled" },
          h(
            "p",
            null,
            `Give ${username.value.trim()} this one-time code privately (valid until ${result.expiresAt}):`,
          ),
          h("p", null, h("code", { attrs: { id: "invite-code" } }, result.code)),
          h(
            "p",
            null,
            "They open this console, choose “I have an invitation”, and set their own passphrase.",
          ),
        ),
      );
      flash("Invitation created.");
    } catch (err) {
      flash(
        err instanceof ApiError && err.status === 409
          ? "That name is taken."
          : "Could not create the invitation.",
        "error",
      );
    }
  }

  /** Seals the team key to a waiting member's public key, after the admin compared its fingerprint. */
  async function grant(s: StaffRow, print: string): Promise<void> {
    const team = teamKey();
    if (!team || !print) return;
    try {
      await api("POST", `/admin/staff/${encodeURIComponent(s.id)}/team-key`, {
        teamKeyId: team.keyId,
        sealedTeamSecret: sealTeamKey(
          { keyId: PERSONAL_KEY_ID, key: fromBase64url(s.personalPublicKey) },
          s.id,
          {
            keyId: team.keyId,
            key: team.key.secretKey,
          },
        ),
        version: s.version,
      });
      flash(`${s.username} can now open requests.`);
      await loadStaff();
    } catch {
      flash("That did not work.", "error");
    }
  }

  const rotated = h("div", { attrs: { id: "rotated" } });
  const rewrap = rewrapSection();
  const rotateButton = h(
    "button",
    { attrs: { type: "button", id: "rotate-team-key" }, on: { click: () => void rotate() } },
    "Rotate the team key",
  );

  /**
   * Makes a new team key here, seals the old secret to it (older requests stay readable through the chain) and
   * the new secret to every active member; disabled members' sealed team keys are deleted by the server.
   */
  async function rotate(): Promise<void> {
    const team = teamKey();
    if (!team) return;
    rotateButton.disabled = true;
    const fresh = generateBoxKeyPair();
    const keyId = newKeyId();
    try {
      const { staff } = await api<{ staff: StaffRow[] }>("GET", "/admin/staff");
      const members = staff
        .filter((s) => !s.disabled && !s.pending)
        .map((s) => ({
          id: s.id,
          version: s.version,
          sealedTeamSecret: sealTeamKey(
            { keyId: PERSONAL_KEY_ID, key: fromBase64url(s.personalPublicKey) },
            s.id,
            { keyId, key: fresh.secretKey },
          ),
        }));
      await api("POST", "/admin/team-key/rotate", {
        previousKeyId: team.keyId,
        keyId,
        publicKey: toBase64url(fresh.publicKey),
        sealedPrevious: sealTeamKey({ keyId, key: fresh.publicKey }, `team:${keyId}`, {
          keyId: team.keyId,
          key: team.key.secretKey,
        }),
        members,
      });
      adoptRotatedKey({ keyId, key: fresh });
      const print = await fingerprint(toBase64url(fresh.publicKey), 20);
      replace(
        rotated,
        h(
          "div",
          { class: "card enrolled" },
          h(
            "p",
            null,
            `New team key ${keyId}. Until an operator pins it, new requests still use the old key.`,
          ),
          h(
            "p",
            null,
            "Ask the operator to run intake keys pin-team on every work host and check this fingerprint:",
          ),
          h("p", null, h("code", { attrs: { id: "rotated-fingerprint" } }, print)),
        ),
      );
      flash("Team key rotated.");
      await Promise.all([loadStaff(), rewrap.refresh()]);
    } catch {
      wipe(fresh.secretKey);
      flash("Rotation did not complete; reload and try again.", "error");
    } finally {
      rotateButton.disabled = false;
    }
  }

  const verifyButton = h(
    "button",
    {
      attrs: { type: "button", id: "audit-verify-button" },
      on: {
        click: () =>
          void api<{ ok: boolean; checked: number; firstBadSeq?: number | null }>(
            "GET",
            "/admin/audit/verify",
          ).then((r) => {
            verifyOut.className = r.ok ? "status ok" : "status error";
            verifyOut.textContent = r.ok
              ? `Chain verified: ${r.checked} entries intact.`
              : `Chain broken at entry ${r.firstBadSeq ?? "?"}.`;
          }),
      },
    },
    "Verify chain",
  );

  replace(
    root,
    h("h1", null, "Admin"),
    h(
      "section",
      { class: "card" },
      h("h2", null, "Staff"),
      h(
        "table",
        { attrs: { id: "staff" } },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ...["Name", "Display name", "Role", "State", "Added", ""].map((t) => h("th", null, t)),
          ),
        ),
        staffBody,
      ),
      h("h3", null, "Add a staff member"),
      addForm,
      enrolled,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, "Team key"),
      h(
        "p",
        null,
        "Rotate after a member leaves (disable them first) or if a key may have leaked. Every active member gets the new key; disabled members' keys are deleted.",
      ),
      rotateButton,
      rotated,
      rewrap.element,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, "Audit log"),
      verifyButton,
      verifyOut,
      h(
        "table",
        { attrs: { id: "audit" } },
        h(
          "thead",
          null,
          h("tr", null, ...["#", "When", "Who", "Action", "Request", "Details"].map((t) => h("th", null, t))),
        ),
        auditBody,
      ),
    ),
    h("section", { class: "card" }, h("h2", null, "Queue health"), health),
  );
  await Promise.all([
    loadStaff(),
    loadAudit(),
    api<Record<string, unknown>>("GET", "/admin/health").then((r) => {
      health.textContent = JSON.stringify(r, null, 2);
    }),
  ]);
}

/** Passphrase change: re-wraps the same personal key under a key derived from the new passphrase. */
export function renderPassphrase(root: HTMLElement): void {
  const current = h("input", {
    attrs: { id: "pp-current", type: "password", required: "", autocomplete: "current-password" },
  });
  const next = h("input", {
    attrs: { id: "pp-new", type: "password", required: "", minlength: "12", autocomplete: "new-password" },
  });
  const again = h("input", {
    attrs: { id: "pp-again", type: "password", required: "", minlength: "12", autocomplete: "new-password" },
  });
  const status = h("p", { class: "status", attrs: { role: "status" } });
  const form = h(
    "form",
    {
      class: "card",
      on: {
        submit: (e) => {
          e.preventDefault();
          void (async () => {
            const who = me();
            if (!who) return;
            if (next.value !== again.value) {
              status.textContent = "The new passphrases differ.";
              return;
            }
            status.textContent = "Deriving keys…";
            await nextFrame();
            const old = derive(current.value, who.keys);
            const salt = newStaffSalt();
            const kdf = { kdfSalt: toBase64url(salt), kdfOps: who.keys.kdfOps, kdfMem: who.keys.kdfMem };
            const fresh = derive(next.value, kdf);
            try {
              // Unlocking with the current passphrase proves it and gives the personal key to re-wrap.
              const personal = unwrapPersonalKey(old.unwrapKey, who.staff.id, who.keys.wrappedPersonalSecret);
              const wrapped = wrapPersonalKey(fresh.unwrapKey, who.staff.id, personal.secretKey);
              wipe(personal.secretKey);
              await api("POST", "/passphrase", {
                currentAuthKey: toBase64url(old.authKey),
                authKey: toBase64url(fresh.authKey),
                ...kdf,
                wrappedPersonalSecret: wrapped,
              });
              who.keys = { ...who.keys, ...kdf, wrappedPersonalSecret: wrapped };
              unlockTeamKey(who.staff.id, fresh.unwrapKey, who.keys);
              status.className = "status ok";
              status.textContent = "Passphrase changed.";
              current.value = next.value = again.value = "";
            } catch {
              status.className = "status error";
              status.textContent = "The current passphrase is wrong, or the change failed.";
            } finally {
              wipe(old.authKey, old.unwrapKey, fresh.authKey);
            }
          })();
        },
      },
    },
    h("h1", null, "Change passphrase"),
    field("Current passphrase", current),
    field("New passphrase (12 characters or more)", next),
    field("New passphrase again", again),
    h("button", { attrs: { type: "submit" } }, "Change passphrase"),
    status,
  );
  replace(root, form);
}
