import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FluentBundle, FluentResource } from "@fluent/bundle";
import { projectRoot } from "../config/project-root.js";
import { AppError } from "../errors/app-error.js";
import { type Lang, langs } from "../intake/messages.js";

/**
 * Every prompt the defender sees, from the Fluent files in `locales/` (one per language), read once from
 * disk when first needed. Node only: the console does not show prompts. `useIsolating: false` because the
 * invisible isolation marks would turn GSM-7 SMS into UCS-2 (a third of the characters per segment).
 */

const bundles = new Map<Lang, FluentBundle>();

/**
 * The Fluent source of one language. Read next to this module when run from source; a `tsc` build in
 * `dist/` does not copy .ftl files, so it falls back to the checkout's `src/i18n/locales`.
 */
export function localeSource(lang: Lang): string {
  const beside = fileURLToPath(new URL(`./locales/${lang}.ftl`, import.meta.url));
  const path = existsSync(beside) ? beside : join(projectRoot, "src", "i18n", "locales", `${lang}.ftl`);
  return readFileSync(path, "utf8");
}

function bundleFor(lang: Lang): FluentBundle {
  const existing = bundles.get(lang);
  if (existing) return existing;
  const bundle = new FluentBundle(lang, { useIsolating: false });
  const problems = bundle.addResource(new FluentResource(localeSource(lang)));
  if (problems.length > 0) {
    throw new AppError("INTERNAL", { detail: `Fluent file ${lang}.ftl has ${problems.length} problem(s)` });
  }
  bundles.set(lang, bundle);
  return bundle;
}

/** Message ids present in a language. */
export function messageIds(lang: Lang): string[] {
  const ids: string[] = [];
  for (const line of localeSource(lang).split("\n")) {
    const match = /^([a-zA-Z][\w-]*)\s*=/.exec(line);
    if (match?.[1]) ids.push(match[1]);
  }
  return ids;
}

/** True when the language has this message. */
export function hasMessage(lang: Lang, id: string): boolean {
  return bundleFor(lang).hasMessage(id);
}

/**
 * The message `id` in `lang`, falling back to English. A missing id is a programming error (the locale
 * tests catch it); the error names only the id.
 */
export function t(lang: Lang, id: string, args?: Record<string, string | number>): string {
  for (const l of lang === "en" ? [lang] : [lang, "en" as const]) {
    const bundle = bundleFor(l);
    const message = bundle.getMessage(id);
    if (message?.value) {
      const errors: Error[] = [];
      // Numbers go in as plain digits: Intl grouping would add a narrow no-break space ("1 000" in
      // French and Russian), which is outside GSM-7 and would triple the cost of the SMS.
      const plain = args ? Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])) : null;
      const text = bundle.formatPattern(message.value, plain, errors);
      if (errors.length === 0) return text;
    }
  }
  throw new AppError("INTERNAL", { detail: `missing or broken message id ${id}` });
}

/** All supported languages, for tests and tools. */
export const supportedLangs: readonly Lang[] = langs;
