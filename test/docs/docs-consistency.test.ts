import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../app/commands/index.js";
import { envVariableNames, projectRoot } from "../../src/config/index.js";

/**
 * The docs are what operators follow at 3 a.m.: every `intake` command, configuration variable and npm
 * script they name must exist. Each test lists what is wrong, so a failure says what to fix.
 */

const read = (file: string) => readFileSync(join(projectRoot, file), "utf8");
const docFiles = [
  "README.md",
  ...readdirSync(join(projectRoot, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const configFiles = [...docFiles, "docker-compose.yml", ".env.example", "Dockerfile"];

/** Inline code spans and fenced blocks of a Markdown text: where commands are written to be typed. */
function codeOf(markdown: string): string[] {
  const parts: string[] = [];
  const withoutFences = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_m, block: string) => {
    parts.push(block);
    return "";
  });
  for (const m of withoutFences.matchAll(/`([^`\n]+)`/g)) parts.push(m[1] as string);
  return parts;
}

/**
 * The words after `intake` where it is run as a command: at the start of a line or code span (after an
 * optional `$ ` and `NAME=value` assignments), or after `bin/intake.mjs` (also as JSON array items, as in
 * the Dockerfile and docker-compose.yml). Up to two words; options are left out.
 */
function intakeInvocations(code: string): string[][] {
  const found: string[][] = [];
  const sep = String.raw`(?:",\s*"|[ \t]+)`;
  const word = "([a-z][a-z-]*)";
  const patterns = [
    new RegExp(
      String.raw`^[ \t]*(?:\$[ \t]+)?(?:[A-Z_]+=\S*[ \t]+)*intake[ \t]+${word}(?:${sep}${word})?`,
      "gm",
    ),
    new RegExp(String.raw`bin/intake\.mjs${sep}${word}(?:${sep}${word})?`, "g"),
  ];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern))
      found.push([m[1] as string, ...(m[2] === undefined ? [] : [m[2]])]);
  }
  return found;
}

function knownCommand(words: readonly string[]): boolean {
  // `intake keys rotate lookup`: the command's path is a prefix of what is written (the rest are
  // arguments); `intake keys ...`: what is written is a prefix of a command's path.
  return commands.some((c) =>
    c.path.slice(0, Math.min(c.path.length, words.length)).every((w, i) => w === words[i]),
  );
}

/** First words of the configuration variables (TELEGRAM, TWILIO, REDIS, ...): a name in one of these
 * families that the schema lacks is a typo or a stale doc. */
const families = new Set(
  envVariableNames.filter((n) => n.includes("_")).map((n) => n.split("_")[0] as string),
);
const known = new Set(envVariableNames);

/** UPPER_CASE names the code itself uses (error codes such as `KEYS_EXIST`, worker failure reasons such as
 * `INTAKE_SCHEMA_INVALID`, constants): they share first words with variables but are not configuration. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}
const codeNames = new Set(
  ["app", "bots", "queues", "src"]
    .flatMap(sourceFiles)
    .filter((f) => !f.startsWith(join("src", "config")))
    .flatMap((f) => [...read(f).matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g)].map((m) => m[0])),
);

function configLikeNames(text: string): string[] {
  return [...text.matchAll(/\b([A-Z][A-Z0-9]*)_[A-Z0-9_]*[A-Z0-9]\b/g)]
    .filter((m) => families.has(m[1] as string) && !codeNames.has(m[0]))
    .map((m) => m[0]);
}

describe("the docs match the code", () => {
  it("finds the docs it checks", () => {
    expect(docFiles).toEqual(expect.arrayContaining(["README.md", "docs/security.md", "docs/operations.md"]));
    expect(codeNames.has("KEYS_EXIST")).toBe(true);
    expect(commands.length).toBeGreaterThan(3);
  });

  it("every `intake <command>` in the README and docs exists in app/commands", () => {
    const unknown: string[] = [];
    let seen = 0;
    for (const file of [...docFiles, ".env.example", "docker-compose.yml", "Dockerfile"]) {
      const text = read(file);
      const code = file.endsWith(".md") ? codeOf(text) : [text];
      for (const words of code.flatMap(intakeInvocations)) {
        seen += 1;
        if (!knownCommand(words)) unknown.push(`${file}: intake ${words.join(" ")}`);
      }
    }
    expect(seen).toBeGreaterThan(5);
    expect(unknown).toEqual([]);
  });

  it("every configuration variable named in the docs, docker-compose.yml and .env.example is in the schema", () => {
    const unknown: string[] = [];
    for (const file of configFiles) {
      for (const name of configLikeNames(read(file))) {
        if (!known.has(name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });

  it("every variable set for the app and worker in docker-compose.yml is in the schema", () => {
    const compose = read("docker-compose.yml");
    const set = [...compose.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string);
    expect(set.length).toBeGreaterThan(3);
    expect(set.filter((name) => !known.has(name))).toEqual([]);
  });

  it("every npm script the docs mention exists in package.json", () => {
    const scripts = Object.keys(
      (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts,
    );
    const missing: string[] = [];
    for (const file of [...docFiles, ".env.example"]) {
      const text = read(file);
      for (const m of text.matchAll(/\bnpm (?:run(?:-script)?\s+([a-z][a-z0-9:_-]*)|(test|start))\b/g)) {
        const name = (m[1] ?? m[2]) as string;
        if (!scripts.includes(name)) missing.push(`${file}: npm ${m[1] ? "run " : ""}${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("catch an unknown command, a misspelt variable and code outside backticks", () => {
    expect(knownCommand(["keys", "init"])).toBe(true);
    expect(knownCommand(["keys", "rotate"])).toBe(true);
    expect(knownCommand(["serve"])).toBe(true);
    expect(knownCommand(["keys", "destroy"])).toBe(false);
    expect(knownCommand(["launch"])).toBe(false);
    expect(intakeInvocations("docker compose run --rm app node bin/intake.mjs keys init")).toEqual([
      ["keys", "init"],
    ]);
    expect(intakeInvocations('command: ["node", "bin/intake.mjs", "work"]')).toEqual([["work"]]);
    expect(codeOf("the intake engine runs `intake serve`").flatMap(intakeInvocations)).toEqual([["serve"]]);
    expect(intakeInvocations("$ KEYS_DIR=/k intake keys rotate lookup\n// every intake\n  consent")).toEqual([
      ["keys", "rotate"],
    ]);
    expect(configLikeNames("set TELEGRAM_BOT_TOKN and CRYPTO_AUTH")).toEqual(["TELEGRAM_BOT_TOKN"]);
  });
});
