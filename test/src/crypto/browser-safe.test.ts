import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../src/config/index.js";

const dir = join(projectRoot, "src", "crypto");
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

/** Follows relative imports from src/crypto and returns every module specifier reached. */
function importsFrom(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:import|export)\s[^"']*?from\s+["']([^"']+)["']/g)].map(
    (m) => m[1] ?? "",
  );
  return specs.flatMap((s) =>
    s.startsWith(".") ? [s, ...importsFrom(join(file, "..", s.replace(/\.js$/, ".ts")), seen)] : [s],
  );
}

describe("src/crypto runs in the browser", () => {
  it("has files to check", () => {
    expect(files).toContain("index.ts");
  });

  it.each(files)("%s reaches no node: module and no package but libsodium-wrappers-sumo", (file) => {
    const external = importsFrom(join(dir, file)).filter((s) => !s.startsWith("."));
    expect(external.filter((s) => s !== "libsodium-wrappers-sumo")).toEqual([]);
    expect(readFileSync(join(dir, file), "utf8")).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
  });

  it("bundles for the browser with esbuild, as the staff console does", async () => {
    const out = await build({
      entryPoints: [join(dir, "index.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    expect(out.errors).toEqual([]);
    expect(out.outputFiles[0]?.text ?? "").not.toMatch(/from\s*["']node:/);
  });
});
