/**
 * DOM building for the console. Every piece of text becomes a text node (`textContent`), never markup: there
 * is no innerHTML anywhere in the client, so a defender's answer cannot become script or style.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  attrs?: Record<string, string>;
  on?: Partial<Record<"click" | "submit" | "change" | "input", (event: Event) => void>>;
}

/** Creates an element with text children (as text nodes) and listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  for (const [k, v] of Object.entries(props?.attrs ?? {})) el.setAttribute(k, v);
  for (const [k, fn] of Object.entries(props?.on ?? {})) if (fn) el.addEventListener(k, fn);
  append(el, ...children);
  return el;
}

/** Appends children, strings as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(
      typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c,
    );
  }
}

/** Replaces all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** The element with `id`, or a clear failure. */
export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** A labelled form field. */
export function field(label: string, input: HTMLElement): HTMLLabelElement {
  return h("label", { class: "field" }, h("span", null, label), input);
}

/** Lets the browser paint (e.g. a "working" message) before a blocking step such as Argon2id. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

/** Shows a transient status line at the top of the page. */
export function flash(text: string, kind: "ok" | "error" = "ok"): void {
  const el = document.getElementById("flash");
  if (el) {
    el.className = `flash ${kind}`;
    el.textContent = text;
  }
}
