import {
  type BoxKeyPair,
  fromBase64url,
  type Keyring,
  type KeyWithId,
  openDataKey,
  sealDataKey,
  unwrapSealedKey,
  wipe,
  wrapSealedKey,
} from "../../crypto/index.js";
import { api } from "./api.js";
import { h } from "./dom.js";
import { teamKey, teamRing } from "./keys.js";

interface RewrapItem {
  id: string;
  teamKeyId: string;
  version: number;
  wrappedKey: string | null;
  sealedKey: string | null;
  erasureKey: string | null;
}

interface RewrapPage {
  keyId: string;
  remaining: number;
  items: RewrapItem[];
  next: string | null;
}

const batchSize = 50;

/**
 * One stored request's data key, opened with the older team key it is sealed to (held through the rotation
 * chain), re-sealed to the current team key and wrapped again under the same erasure key. Null if this browser
 * cannot open it (sealed to a key outside the chain, or its erasure key is gone): it is left as it is.
 */
function rewrapItem(ring: Keyring<BoxKeyPair>, team: KeyWithId<BoxKeyPair>, item: RewrapItem) {
  const to = { keyId: team.keyId, key: team.key.publicKey };
  try {
    if (item.wrappedKey !== null) {
      if (item.erasureKey === null) return null;
      const erasureKey = fromBase64url(item.erasureKey);
      const dataKey = openDataKey(ring, item.id, unwrapSealedKey(erasureKey, item.id, item.wrappedKey));
      try {
        const wrappedKey = wrapSealedKey(erasureKey, item.id, sealDataKey(to, item.id, dataKey));
        return { id: item.id, version: item.version, teamKeyId: team.keyId, wrappedKey };
      } finally {
        wipe(dataKey, erasureKey);
      }
    }
    if (item.sealedKey === null) return null;
    const dataKey = openDataKey(ring, item.id, item.sealedKey);
    try {
      return {
        id: item.id,
        version: item.version,
        teamKeyId: team.keyId,
        sealedKey: sealDataKey(to, item.id, dataKey),
      };
    } finally {
      wipe(dataKey);
    }
  } catch {
    return null;
  }
}

/**
 * The admin page's "re-wrap stored requests" part (row 37). After a rotation, stored requests stay readable
 * through the chain; re-wrapping re-seals each one's data key to the current team key, in batches, showing
 * "n of total". Nothing is remembered between runs: each run asks the server what is still under an older key,
 * so after a reload or a crash the button just continues where the last run stopped.
 */
export function rewrapSection(): { element: HTMLElement; refresh: () => Promise<void> } {
  const progress = h("progress", { attrs: { id: "rewrap-bar", max: "1", value: "0" } });
  const status = h("p", { class: "status", attrs: { id: "rewrap-progress", role: "status" } });
  const button = h(
    "button",
    { attrs: { type: "button", id: "rewrap-requests" }, on: { click: () => void run() } },
    "Re-wrap stored requests",
  );

  const show = (done: number, total: number, note = "") => {
    progress.max = Math.max(total, 1);
    progress.value = done;
    status.textContent = `${done} of ${total} re-wrapped${note}`;
  };

  async function refresh(): Promise<void> {
    const page = await api<RewrapPage>("GET", "/admin/team-key/rewrap?limit=1");
    status.className = "status";
    status.textContent =
      page.remaining === 0
        ? "Every stored request is sealed to the current team key."
        : `${page.remaining} stored requests are still sealed to an older team key.`;
  }

  async function run(): Promise<void> {
    const team = teamKey();
    if (!team) return;
    button.disabled = true;
    let done = 0;
    let skipped = 0;
    let conflicts = 0;
    let total = 0;
    let after: string | null = null;
    try {
      const ring = teamRing();
      for (;;) {
        const q: string = after ? `&after=${encodeURIComponent(after)}` : "";
        const page: RewrapPage = await api<RewrapPage>(
          "GET",
          `/admin/team-key/rewrap?limit=${batchSize}${q}`,
        );
        if (page.keyId !== team.keyId) {
          status.className = "status error";
          status.textContent = "The team key changed since this page was opened; reload and try again.";
          return;
        }
        if (after === null) total = page.remaining;
        if (page.items.length === 0) break;
        const items = page.items.map((i) => rewrapItem(ring, team, i));
        const ready = items.filter((i) => i !== null);
        skipped += items.length - ready.length;
        if (ready.length > 0) {
          const r = await api<{ rewrapped: number; conflicts: string[] }>("POST", "/admin/team-key/rewrap", {
            keyId: team.keyId,
            items: ready,
          });
          done += r.rewrapped;
          conflicts += r.conflicts.length;
        }
        show(done, total);
        if (!page.next) break;
        after = page.next;
      }
      const left = skipped + conflicts;
      status.className = left === 0 ? "status ok" : "status";
      show(
        done,
        total,
        left === 0
          ? ". Every stored request is sealed to the current team key."
          : `; ${conflicts} changed meanwhile and ${skipped} could not be opened here: run again to retry.`,
      );
    } catch {
      status.className = "status error";
      status.textContent = `${done} of ${total} re-wrapped, then it stopped; run again to continue.`;
    } finally {
      button.disabled = false;
    }
  }

  const section = h(
    "div",
    { attrs: { id: "rewrap" } },
    h(
      "p",
      null,
      "After a rotation, re-wrap stored requests so that each opens with the new team key alone. The old key then no longer opens them in this database (older backups still hold the old wrapping until their retention ends).",
    ),
    button,
    progress,
    status,
  );
  void refresh().catch(() => {});
  return { element: section, refresh: () => refresh().catch(() => {}) };
}
