import {
  decryptField,
  encryptField,
  fromBase64url,
  openDataKey,
  sealOutbound,
  unwrapSealedKey,
  wipe,
} from "../../crypto/index.js";
import { statusTransitions } from "../../storage/request-status.js";
import { CONTENT_FIELD, NOTE_FIELD } from "../fields.js";
import { ApiError, api } from "./api.js";
import { field, flash, h, replace } from "./dom.js";
import { teamRing } from "./keys.js";
import {
  channelLabels,
  label,
  langLabels,
  routeLabels,
  slaText,
  statusLabels,
  urgencyLabels,
} from "./labels.js";
import type { QueueItem } from "./queue.js";
import { me } from "./session.js";

interface RequestData extends QueueItem {
  content: string | null;
  sealedKey: string | null;
  wrappedKey: string | null;
  erasureKey: string | null;
  recipient: string | null;
  notes: { content: string; day: string; authorId: string; authorName: string | null }[];
  referrals: { partnerId: string; route: string; day: string; staffId: string }[];
}

interface Partner {
  id: string;
  name: string;
  routes: string[];
}

interface ConsoleConfig {
  outbound: { keyId: string; publicKey: string } | null;
}

const answerLabels: Record<string, string> = {
  language: "Language",
  consent: "Consent",
  danger_now: "In danger now",
  name: "Name or alias",
  location_country: "Country now",
  location_detail: "City or area",
  nationality: "Nationality",
  work_categories: "Human rights work",
  work_description: "Their work",
  threat_types: "Threats",
  threat_description: "What threatens them",
  threat_since: "Since",
  detention_status: "Detention",
  displacement: "Displacement",
  family_at_risk: "Family at risk",
  family_count: "Family members",
  support_needed: "Support needed",
  contact_safe: "This contact is safe",
  contact_methods: "Safe contact methods",
  contact_details: "Safe ways and times",
};

let openKey: Uint8Array | undefined;

/** Wipes the open data key when the view is left. */
export function closeRequest(): void {
  if (openKey) wipe(openKey);
  openKey = undefined;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return value.map(show).join(", ");
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.approxDaysAgo === "number") return `about ${v.approxDaysAgo} days ago`;
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * One request, decrypted here: the server sent ciphertext and the data key sealed to the team key; the team
 * key unlocked at sign-in opens it. Answers and notes are shown as text nodes only. Notes are encrypted here
 * with the request's data key; replies are sealed here to the outbound key. The browser reports the decrypt
 * (not its result) so it is audited.
 */
export async function renderRequest(root: HTMLElement, id: string): Promise<void> {
  closeRequest();
  const [data, partners, config] = await Promise.all([
    api<RequestData>("GET", `/requests/${encodeURIComponent(id)}`),
    api<{ partners: Partner[] }>("GET", "/partners"),
    api<ConsoleConfig>("GET", "/config"),
  ]);

  let intake: Record<string, unknown> | undefined;
  let decryptError = false;
  const notes: { text: string; day: string; author: string }[] = [];
  // New requests: the sealed data key is wrapped under the erasure key the server hands over (row 26).
  const wrapped = data.wrappedKey && data.erasureKey ? { w: data.wrappedKey, e: data.erasureKey } : null;
  if (data.content && (data.sealedKey || wrapped)) {
    try {
      let sealed = data.sealedKey ?? "";
      if (wrapped) {
        const erasureKey = fromBase64url(wrapped.e);
        try {
          sealed = unwrapSealedKey(erasureKey, data.id, wrapped.w);
        } finally {
          wipe(erasureKey);
        }
      }
      openKey = openDataKey(teamRing(), data.id, sealed);
      const text = decryptField(openKey, data.id, CONTENT_FIELD, data.content);
      const parsed: unknown = JSON.parse(text);
      intake = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : { value: parsed };
      for (const n of data.notes) {
        notes.push({
          text: decryptField(openKey, data.id, NOTE_FIELD, n.content),
          day: n.day,
          author: n.authorName ?? "former staff",
        });
      }
    } catch {
      decryptError = true;
    }
    await api("POST", `/requests/${encodeURIComponent(data.id)}/decrypted`, { ok: !decryptError });
  }

  const state = {
    version: data.version,
    status: data.status,
    assignee: data.assignee,
    assigneeName: data.assigneeName,
  };

  const header = h("section", { class: "card head" });
  const actions = h("section", { class: "card actions", attrs: { id: "actions" } });
  const renderHead = () =>
    replace(
      header,
      h("h1", null, `Request ${data.reference}`),
      h(
        "p",
        { class: "meta" },
        h("span", { class: `badge urgency-${data.urgency}` }, label(urgencyLabels, data.urgency)),
        " ",
        h("span", { attrs: { id: "status" } }, label(statusLabels, state.status)),
        " · ",
        label(channelLabels, data.channel),
        " · ",
        label(langLabels, data.lang),
        " · received ",
        data.createdDay,
        " · ",
        h(
          "span",
          { attrs: { id: "assignee" } },
          state.assigneeName ? `assigned to ${state.assigneeName}` : "unassigned",
        ),
        data.sla && state.status === "new"
          ? h(
              "span",
              { class: data.sla.breached ? "sla breached" : "sla" },
              ` · ${slaText(data.sla.remainingMs)}`,
            )
          : null,
      ),
      h("h2", null, "Why this urgency"),
      h("ul", { attrs: { id: "reasons" } }, ...data.reasons.map((r) => h("li", null, label({}, r)))),
      h("h2", null, "Possible routes"),
      h("ul", { attrs: { id: "routes" } }, ...data.routes.map((r) => h("li", null, label(routeLabels, r)))),
      data.duplicateOf || data.relatedRequestIds.length > 0
        ? h(
            "p",
            { class: "duplicates" },
            "Possibly the same person: ",
            ...[...(data.duplicateOf ? [data.duplicateOf] : []), ...data.relatedRequestIds].flatMap((rid) => [
              h("a", { attrs: { href: `#/r/${encodeURIComponent(rid)}` } }, rid),
              " ",
            ]),
          )
        : null,
    );

  const act = async (fn: () => Promise<void>, ok: string) => {
    try {
      await fn();
      flash(ok);
      renderHead();
      renderActions();
    } catch (err) {
      flash(
        err instanceof ApiError && err.status === 409
          ? "Someone changed this request; reload."
          : "That did not work.",
        "error",
      );
    }
  };

  const renderActions = () => {
    const mine = state.assignee === me()?.staff.id;
    const assign = h(
      "button",
      {
        attrs: { type: "button", id: "assign" },
        on: {
          click: () =>
            void act(
              async () => {
                const r = await api<{ version: number; assignee: string | null }>(
                  "POST",
                  `/requests/${data.id}/assign`,
                  {
                    to: mine ? "none" : "me",
                    version: state.version,
                  },
                );
                state.version = r.version;
                state.assignee = r.assignee;
                state.assigneeName = r.assignee ? (me()?.staff.displayName ?? null) : null;
              },
              mine ? "Unassigned." : "Assigned to you.",
            ),
        },
      },
      mine ? "Unassign me" : "Assign to me",
    );
    const next = statusTransitions[state.status as keyof typeof statusTransitions] ?? [];
    const statusSelect = h("select", { attrs: { id: "status-to", name: "status" } });
    for (const s of next)
      statusSelect.appendChild(h("option", { attrs: { value: s } }, label(statusLabels, s)));
    const statusForm = h(
      "form",
      {
        class: "inline",
        attrs: { id: "status-form" },
        on: {
          submit: (e) => {
            e.preventDefault();
            void act(async () => {
              const r = await api<{ version: number; status: string }>(
                "POST",
                `/requests/${data.id}/status`,
                {
                  to: statusSelect.value,
                  version: state.version,
                },
              );
              state.version = r.version;
              state.status = r.status;
            }, "Status changed.");
          },
        },
      },
      field("Move to", statusSelect),
      h("button", { attrs: { type: "submit", id: "status-submit" } }, "Change status"),
    );
    replace(
      actions,
      h("h2", null, "Actions"),
      assign,
      next.length > 0 ? statusForm : h("p", { class: "muted" }, "Final status."),
    );
  };

  const answers = h("dl", { class: "answers", attrs: { id: "answers" } });
  if (intake) {
    const fields =
      intake.answers && typeof intake.answers === "object"
        ? (intake.answers as Record<string, unknown>)
        : intake;
    for (const [k, v] of Object.entries(fields)) {
      if (k === "replyAddress" || k === "sender") continue;
      answers.append(h("dt", null, answerLabels[k] ?? k), h("dd", { attrs: { "data-answer": k } }, show(v)));
    }
  }
  const contentSection = h(
    "section",
    { class: "card", attrs: { id: "content" } },
    h("h2", null, "What they told us"),
    !data.content
      ? h("p", { class: "muted" }, "The content of this request has been erased.")
      : decryptError
        ? h("p", { class: "error" }, "This request could not be decrypted with your team key.")
        : answers,
  );

  const noteList = h("ul", { class: "notes", attrs: { id: "notes" } });
  const renderNotes = () =>
    noteList.replaceChildren(
      ...notes.map((n) =>
        h(
          "li",
          null,
          h("span", { class: "muted" }, `${n.day} · ${n.author}: `),
          h("span", { class: "note-text" }, n.text),
        ),
      ),
    );
  renderNotes();
  const noteText = h("textarea", { attrs: { id: "note-text", name: "note", rows: "3", required: "" } });
  const noteForm = h(
    "form",
    {
      attrs: { id: "note-form" },
      on: {
        submit: (e) => {
          e.preventDefault();
          const text = noteText.value.trim();
          if (!text || !openKey) return;
          void act(async () => {
            const key = openKey;
            if (!key) return;
            const r = await api<{ version: number }>("POST", `/requests/${data.id}/notes`, {
              content: encryptField(key, data.id, NOTE_FIELD, text),
              version: state.version,
            });
            state.version = r.version;
            notes.push({
              text,
              day: new Date().toISOString().slice(0, 10),
              author: me()?.staff.displayName ?? "me",
            });
            noteText.value = "";
            renderNotes();
          }, "Note saved (encrypted).");
        },
      },
    },
    field("New note (encrypted in your browser)", noteText),
    h("button", { attrs: { type: "submit", id: "note-submit" } }, "Add note"),
  );

  const replyText = h("textarea", {
    attrs: { id: "reply-text", name: "reply", rows: "3", required: "", maxlength: "1500" },
  });
  const address = intake && typeof intake.replyAddress === "string" ? intake.replyAddress : undefined;
  const replyForm = h(
    "form",
    {
      attrs: { id: "reply-form" },
      on: {
        submit: (e) => {
          e.preventDefault();
          const text = replyText.value.trim();
          if (!text || !address || !config.outbound) return;
          const outbound = config.outbound;
          void act(
            async () => {
              const seq = `${Date.now()}-${Math.floor(Math.random() * 1_000_000)}`;
              const message = {
                kind: "replies",
                channel: data.channel,
                address,
                replies: [{ text, lang: data.lang }],
              };
              const sealed = sealOutbound(
                {
                  current: outbound.keyId,
                  keys: new Map([[outbound.keyId, fromBase64url(outbound.publicKey)]]),
                },
                `outbound:${data.recipient}:${seq}`,
                JSON.stringify(message),
              );
              await api("POST", `/requests/${data.id}/reply`, { sealed, seq });
              replyText.value = "";
            },
            `Reply queued for delivery over ${label(channelLabels, data.channel)}.`,
          );
        },
      },
    },
    field(`Reply to the defender over ${label(channelLabels, data.channel)}`, replyText),
    h("button", { attrs: { type: "submit", id: "reply-submit" } }, "Send reply"),
    !address || !config.outbound
      ? h("p", { class: "muted" }, "Replies are unavailable for this request.")
      : null,
  );

  const refList = h("ul", { attrs: { id: "referrals" } });
  const partnerName = (pid: string) => partners.partners.find((p) => p.id === pid)?.name ?? pid;
  const referrals = [...data.referrals];
  const renderRefs = () =>
    refList.replaceChildren(
      ...referrals.map((r) =>
        h("li", null, `${r.day}: ${partnerName(r.partnerId)} — ${label(routeLabels, r.route)}`),
      ),
    );
  renderRefs();
  const partnerSelect = h("select", { attrs: { id: "referral-partner", name: "partner" } });
  const routeSelect = h("select", { attrs: { id: "referral-route", name: "route" } });
  const fillRoutes = () => {
    const p = partners.partners.find((x) => x.id === partnerSelect.value);
    routeSelect.replaceChildren(
      ...(p?.routes ?? []).map((r) => h("option", { attrs: { value: r } }, label(routeLabels, r))),
    );
  };
  for (const p of partners.partners)
    partnerSelect.appendChild(h("option", { attrs: { value: p.id } }, p.name));
  partnerSelect.addEventListener("change", fillRoutes);
  fillRoutes();
  const referralForm = h(
    "form",
    {
      attrs: { id: "referral-form" },
      on: {
        submit: (e) => {
          e.preventDefault();
          void act(async () => {
            await api("POST", `/requests/${data.id}/referrals`, {
              partnerId: partnerSelect.value,
              route: routeSelect.value,
            });
            referrals.push({
              partnerId: partnerSelect.value,
              route: routeSelect.value,
              day: new Date().toISOString().slice(0, 10),
              staffId: me()?.staff.id ?? "",
            });
            renderRefs();
          }, "Referral recorded.");
        },
      },
    },
    field("Partner", partnerSelect),
    field("Route", routeSelect),
    h("button", { attrs: { type: "submit", id: "referral-submit" } }, "Refer"),
  );

  renderHead();
  renderActions();
  replace(
    root,
    h("p", null, h("a", { attrs: { href: "#/queue", id: "back" } }, "← Queue")),
    header,
    actions,
    contentSection,
    h("section", { class: "card" }, h("h2", null, "Notes"), noteList, noteForm),
    h("section", { class: "card" }, h("h2", null, "Reply"), replyForm),
    h("section", { class: "card" }, h("h2", null, "Referrals"), refList, referralForm),
  );
}
