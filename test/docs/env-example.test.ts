import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envVariableNames, projectRoot } from "../../src/config/index.js";

const read = (file: string) => readFileSync(join(projectRoot, file), "utf8");

describe(".env.example and the README", () => {
  it(".env.example lists exactly the variables the config schema reads", () => {
    const listed = [...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...envVariableNames].sort());
  });

  it("the README's configuration table names every variable, and no variable the schema lacks", () => {
    const readme = read("README.md");
    const table = readme.slice(readme.indexOf("## Configuration"));
    const named = new Set([...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));
    expect([...named].sort()).toEqual([...envVariableNames].sort());
  });
});
