import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { build } from "esbuild";
import { projectRoot } from "../config/index.js";
import type { Argon2Params } from "../crypto/index.js";

/** The console's browser assets, built once per process and served from memory. */
export interface ConsoleAssets {
  readonly js: Buffer;
  readonly css: Buffer;
  /** Short content hash, for the asset URLs in the page (nothing is cached anyway: no-store). */
  readonly version: string;
}

const clientDir = resolve(projectRoot, "src", "console", "client");

/**
 * Bundles `src/console/client/main.ts` (with `src/crypto` and libsodium) into one ES module for the browser,
 * and reads the stylesheet. No CDN, no inline code: both are served from /staff/assets/ under the CSP.
 */
export async function buildConsoleAssets(opts: { kdfFloor: Argon2Params }): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [resolve(clientDir, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    write: false,
    legalComments: "none",
    logLevel: "silent",
    // The floor is compiled in, so no value the server sends at run time (an account's cost) can lower it.
    define: {
      __KDF_FLOOR__: JSON.stringify({ opsLimit: opts.kdfFloor.opsLimit, memLimit: opts.kdfFloor.memLimit }),
    },
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("console bundle produced no output");
  const js = Buffer.from(out.contents);
  const css = await readFile(resolve(clientDir, "console.css"));
  const version = createHash("sha256").update(js).update(css).digest("base64url").slice(0, 12);
  return { js, css, version };
}
