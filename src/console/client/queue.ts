import { api } from "./api.js";
import { field, h, replace } from "./dom.js";
import {
  channelLabels,
  label,
  langLabels,
  routeLabels,
  slaText,
  statusLabels,
  urgencyLabels,
} from "./labels.js";

/** One row of the queue as the API returns it: codes, ids and days only. */
export interface QueueItem {
  id: string;
  reference: string;
  status: string;
  urgency: string;
  reasons: string[];
  routes: string[];
  channel: string;
  lang: string;
  createdDay: string;
  statusDay: string;
  assignee: string | null;
  assigneeName: string | null;
  duplicateOf: string | null;
  relatedRequestIds: string[];
  version: number;
  sla: { dueAt: number; remainingMs: number; breached: boolean } | null;
}

interface QueueResponse {
  items: QueueItem[];
  next: string | null;
  counts: { status: string; urgency: string; count: number }[];
  now: number;
}

const filterNames = ["status", "urgency", "channel", "lang", "mine"] as const;

/** Filters live in the URL hash (`#/queue?status=new&urgency=emergency`), so reload and back keep them. */
export function queueFilters(): URLSearchParams {
  const hash = location.hash;
  const q = hash.indexOf("?");
  return new URLSearchParams(q >= 0 ? hash.slice(q + 1) : "");
}

function select(name: string, options: Array<[string, string]>, value: string | null): HTMLSelectElement {
  const el = h("select", { attrs: { name, id: `filter-${name}` } });
  for (const [v, text] of options) {
    const o = h("option", { attrs: { value: v } }, text);
    if (v === (value ?? "")) o.selected = true;
    el.appendChild(o);
  }
  return el;
}

let refreshTimer: ReturnType<typeof setInterval> | undefined;

/**
 * The queue: most urgent first, then oldest, with the SLA clock of each new request (red once breached),
 * filters, counts, and a refresh (manual and every minute) that keeps filters and scroll position.
 */
export async function renderQueue(root: HTMLElement): Promise<void> {
  const filters = queueFilters();
  const form = h(
    "form",
    { class: "filters", attrs: { id: "filters" } },
    field(
      "Status",
      select(
        "status",
        [["", "Open (new, in review, pending referral)"], ...Object.entries(statusLabels), ["all", "All"]],
        filters.get("status"),
      ),
    ),
    field(
      "Urgency",
      select("urgency", [["", "Any"], ...Object.entries(urgencyLabels)], filters.get("urgency")),
    ),
    field(
      "Channel",
      select("channel", [["", "Any"], ...Object.entries(channelLabels)], filters.get("channel")),
    ),
    field("Language", select("lang", [["", "Any"], ...Object.entries(langLabels)], filters.get("lang"))),
  );
  const mine = h("input", { attrs: { type: "checkbox", name: "mine", id: "filter-mine" } });
  mine.checked = filters.get("mine") === "1";
  form.appendChild(h("label", { class: "check" }, mine, " Assigned to me"));
  const refresh = h("button", { attrs: { type: "button", id: "refresh" } }, "Refresh");
  form.appendChild(refresh);

  const counts = h("p", { class: "counts", attrs: { id: "counts" } });
  const tbody = h("tbody", { attrs: { id: "queue-rows" } });
  const table = h(
    "table",
    { class: "queue", attrs: { id: "queue" } },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ...[
          "Reference",
          "Urgency",
          "SLA",
          "Status",
          "Reasons",
          "Routes",
          "Channel",
          "Language",
          "Received",
          "Assigned",
        ].map((t) => h("th", { attrs: { scope: "col" } }, t)),
      ),
    ),
    tbody,
  );
  replace(root, h("h1", null, "Queue"), form, counts, table);

  form.addEventListener("change", () => {
    const next = new URLSearchParams();
    for (const name of filterNames) {
      if (name === "mine") {
        if (mine.checked) next.set("mine", "1");
        continue;
      }
      const el = form.elements.namedItem(name);
      if (el instanceof HTMLSelectElement && el.value) next.set(name, el.value);
    }
    const qs = next.toString();
    location.hash = qs ? `#/queue?${qs}` : "#/queue";
  });

  const load = async (background = false) => {
    const query = new URLSearchParams();
    for (const name of filterNames) {
      const v = filters.get(name);
      if (v) query.set(name, v);
    }
    const data = await api<QueueResponse>("GET", `/requests${query.size ? `?${query}` : ""}`, undefined, {
      background,
    });
    const scroll = window.scrollY;
    renderCounts(counts, data.counts);
    tbody.replaceChildren(...data.items.map(row));
    if (data.items.length === 0) {
      tbody.appendChild(
        h("tr", null, h("td", { attrs: { colspan: "10" }, class: "muted" }, "No requests match.")),
      );
    }
    window.scrollTo(0, scroll);
  };
  refresh.addEventListener("click", () => void load());
  if (refreshTimer) clearInterval(refreshTimer);
  refreshTimer = setInterval(() => {
    if (document.getElementById("queue")) void load(true);
    else if (refreshTimer) clearInterval(refreshTimer);
  }, 60_000);
  await load();
}

function renderCounts(el: HTMLElement, counts: QueueResponse["counts"]): void {
  const open = new Set(["new", "in_review", "pending_referral"]);
  const byUrgency = new Map<string, number>();
  const byStatus = new Map<string, number>();
  for (const c of counts) {
    byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.count);
    if (open.has(c.status)) byUrgency.set(c.urgency, (byUrgency.get(c.urgency) ?? 0) + c.count);
  }
  const parts: Node[] = [];
  for (const u of Object.keys(urgencyLabels)) {
    parts.push(
      h(
        "span",
        { class: `count urgency-${u}`, attrs: { "data-urgency": u } },
        `${urgencyLabels[u]} open: ${byUrgency.get(u) ?? 0}`,
      ),
    );
  }
  for (const s of Object.keys(statusLabels)) {
    parts.push(
      h(
        "span",
        { class: "count", attrs: { "data-status": s } },
        `${statusLabels[s]}: ${byStatus.get(s) ?? 0}`,
      ),
    );
  }
  el.replaceChildren(...parts);
}

function row(item: QueueItem): HTMLTableRowElement {
  const link = h("a", { attrs: { href: `#/r/${encodeURIComponent(item.id)}` } }, item.reference);
  const sla = item.sla
    ? h("span", { class: item.sla.breached ? "sla breached" : "sla" }, slaText(item.sla.remainingMs))
    : h("span", { class: "muted" }, "—");
  return h(
    "tr",
    { class: `urgency-${item.urgency}`, attrs: { "data-id": item.id, "data-reference": item.reference } },
    h("td", null, link, item.duplicateOf ? h("span", { class: "tag" }, " duplicate") : null),
    h("td", null, h("span", { class: `badge urgency-${item.urgency}` }, label(urgencyLabels, item.urgency))),
    h("td", null, sla),
    h("td", null, label(statusLabels, item.status)),
    h("td", null, item.reasons.map((r) => label({}, r)).join(", ")),
    h("td", null, item.routes.map((r) => label(routeLabels, r)).join(", ")),
    h("td", null, label(channelLabels, item.channel)),
    h("td", null, label(langLabels, item.lang)),
    h("td", null, item.createdDay),
    h("td", null, item.assigneeName ?? (item.assignee ? "someone" : "—")),
  );
}
