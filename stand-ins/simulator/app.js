// The simulator page's script (served under script-src 'self'). It polls the demo server for both
// transcripts and posts what the defender types or presses; the demo server turns that into real,
// signed webhook calls to the intake service. Every piece of text is set with textContent, never as HTML.

const POLL_MS = 700;

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * @param {string} path
 * @param {Record<string, unknown>} body
 */
async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    cache: "no-store",
  });
  if (!res.ok) {
    const problem = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    showNotice(problem.error ?? `HTTP ${res.status}`);
  }
  await refresh();
}

/** @param {string | null} text */
function showNotice(text) {
  const el = byId("notice");
  el.hidden = !text;
  el.textContent = text ?? "";
}

/** @param {number} ms */
function clock(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/**
 * One bubble. Telegram bot messages get their inline keyboard; pressing a button sends a real
 * callback_query for that message.
 * @param {{ id: string, fromUser: boolean, text: string, time: number, messageId?: number,
 *   buttons?: { text: string, data: string }[][] }} m
 */
function bubble(m) {
  const li = document.createElement("li");
  li.className = m.fromUser ? "msg from-user" : "msg from-bot";
  li.dataset.id = m.id;
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = m.text;
  li.append(text);
  if (m.buttons && m.messageId !== undefined) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of m.buttons) {
      const rowEl = document.createElement("div");
      rowEl.className = "row";
      for (const b of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "inline";
        button.textContent = b.text;
        const messageId = m.messageId;
        button.addEventListener("click", () => {
          void post("/simulator/api/telegram/press", { messageId, data: b.data });
        });
        rowEl.append(button);
      }
      keyboard.append(rowEl);
    }
    li.append(keyboard);
  }
  const time = document.createElement("time");
  time.textContent = clock(m.time);
  li.append(time);
  return li;
}

/**
 * @param {HTMLElement} list
 * @param {Array<Parameters<typeof bubble>[0]>} messages
 */
function render(list, messages) {
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(...messages.map(bubble));
  if (nearBottom) list.scrollTop = list.scrollHeight;
}

let last = "";
async function refresh() {
  let res;
  try {
    res = await fetch("/simulator/api/state", { cache: "no-store" });
  } catch {
    showNotice("The demo server stopped. Start it again with npm run demo.");
    return;
  }
  if (!res.ok) return;
  const text = await res.text();
  if (text === last) return;
  last = text;
  const state = JSON.parse(text);
  byId("tg-who").textContent = `chat ${state.identity.chatId}`;
  byId("sms-who").textContent = `${state.identity.phone} → ${state.ourNumber}`;
  const link = /** @type {HTMLAnchorElement} */ (byId("console-link"));
  link.href = state.consoleUrl;
  showNotice(state.notice);
  render(byId("tg-chat"), state.telegram);
  render(byId("sms-chat"), state.sms);
}

/**
 * @param {string} formId
 * @param {string} inputId
 * @param {string} path
 */
function wireComposer(formId, inputId, path) {
  const form = byId(formId);
  const input = /** @type {HTMLInputElement} */ (byId(inputId));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (text.trim() === "") return;
    input.value = "";
    void post(path, { text });
  });
}

wireComposer("tg-form", "tg-input", "/simulator/api/telegram/send");
wireComposer("sms-form", "sms-input", "/simulator/api/sms/send");
byId("new-defender").addEventListener("click", () => {
  void post("/simulator/api/new-defender", {});
});
void refresh();
setInterval(() => void refresh(), POLL_MS);
