import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../src/config/index.js";

const dir = join(projectRoot, "src", "crypto");
/** The server-only backend: package.json "browser" swaps it for the WebAssembly one in every bundle. */
const NATIVE = "backend-native.ts";
const browserMap: Record<string, string> =
  JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).browser ?? {};
const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && f !== NATIVE);

/** Resolves a relative import the way the browser bundle does (package.json "browser" first). */
function browserPath(from: string, spec: string): string {
  const path = join(from, "..", spec);
  const mapped = browserMap[`./${join("src", "crypto", spec).replace(/\\/g, "/")}`];
  return mapped ? join(projectRoot, mapped) : path.replace(/\.js$/, ".ts");
}

/** Follows relative imports from src/crypto as the browser bundle resolves them; every specifier reached. */
function importsFrom(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:import|export)\s[^"']*?from\s+["']([^"']+)["']/g)].map(
    (m) => m[1] ?? "",
  );
  return specs.flatMap((s) => (s.startsWith(".") ? [s, ...importsFrom(browserPath(file, s), seen)] : [s]));
}

const bundle = (entry: string) =>
  build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
  });

describe("src/crypto runs in the browser", () => {
  it("has files to check, and the native backend is mapped away for browsers", () => {
    expect(files).toContain("index.ts");
    expect(browserMap["./src/crypto/backend-native.js"]).toBe("./src/crypto/backend-wasm.ts");
  });

  it.each(files)("%s reaches no node: module and no package but libsodium-wrappers-sumo", (file) => {
    const external = importsFrom(join(dir, file)).filter((s) => !s.startsWith("."));
    expect(external.filter((s) => s !== "libsodium-wrappers-sumo")).toEqual([]);
    expect(readFileSync(join(dir, file), "utf8")).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
  });

  it("only the native backend imports sodium-native", () => {
    for (const file of files)
      expect(readFileSync(join(dir, file), "utf8")).not.toMatch(
        /from\s+["']sodium-native["']|import\(["']sodium-native/,
      );
    expect(readFileSync(join(dir, NATIVE), "utf8")).toMatch(/from "sodium-native"/);
  });

  it.each([
    ["src/crypto", join(dir, "index.ts")],
    ["the staff console", join(projectRoot, "src", "console", "client", "main.ts")],
  ])(
    "%s bundles for the browser with esbuild with libsodium.js and without sodium-native",
    async (_n, entry) => {
      const out = await bundle(entry);
      expect(out.errors).toEqual([]);
      expect(out.outputFiles[0]?.text ?? "").not.toMatch(/from\s*["']node:/);
      const inputs = Object.keys(out.metafile.inputs);
      expect(inputs).toContain("src/crypto/backend-wasm.ts");
      expect(inputs.filter((i) => /sodium-native|backend-native/.test(i))).toEqual([]);
    },
  );
});
