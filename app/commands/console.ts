import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { buildConsoleAssets } from "../../src/console/assets.js";
import { DEMO_KDF_FLOOR, PRODUCTION_KDF_FLOOR } from "../../src/console/kdf-floor.js";
import type { Command, CommandIo } from "./types.js";

const hashUsage = `usage: intake console hash [--demo]

Builds the staff console's browser script as this release serves it (production KDF floor, or the demo one
with --demo) and prints its SHA-256. Publish it with the release, so staff and operators can check what a
server serves with intake console verify.`;

const verifyUsage = `usage: intake console verify --url https://host/staff [--demo]

Fetches the console script a server serves and compares its SHA-256 with a local build of this release.
Exit 0 when they match; 1 when they differ (the server is not serving this release's console: do not sign in).`;

function floorArgs(io: CommandIo, options: Record<string, { type: "string" | "boolean" }>) {
  try {
    return parseArgs({ args: [...io.args], options, strict: true, allowPositionals: false }).values;
  } catch {
    return undefined;
  }
}

async function localHash(demo: boolean): Promise<string> {
  const assets = await buildConsoleAssets({ kdfFloor: demo ? DEMO_KDF_FLOOR : PRODUCTION_KDF_FLOOR });
  return createHash("sha256").update(assets.js).digest("hex");
}

/** `intake console hash`: the SHA-256 of this release's console script. */
export const consoleHashCommand: Command = {
  path: ["console", "hash"],
  summary: "Print the SHA-256 of this release's staff console script (publish it with the release)",
  usage: hashUsage,
  async run(io) {
    const values = floorArgs(io, { demo: { type: "boolean" } });
    if (!values) {
      io.stderr(hashUsage);
      return 2;
    }
    io.stdout(`console.js sha256 ${await localHash(values.demo === true)}`);
    return 0;
  },
};

/** `intake console verify`: does a server serve this release's console script, byte for byte? */
export const consoleVerifyCommand: Command = {
  path: ["console", "verify"],
  summary: "Check that a server serves this release's staff console script",
  usage: verifyUsage,
  async run(io) {
    const values = floorArgs(io, { url: { type: "string" }, demo: { type: "boolean" } });
    if (!values || typeof values.url !== "string" || !/^https?:\/\//.test(values.url)) {
      io.stderr(verifyUsage);
      return 2;
    }
    const expected = await localHash(values.demo === true);
    const url = `${values.url.replace(/\/+$/, "")}/assets/console.js`;
    let served: string;
    try {
      const res = await fetch(url, { redirect: "error" });
      if (!res.ok) throw new Error(String(res.status));
      served = createHash("sha256")
        .update(Buffer.from(await res.arrayBuffer()))
        .digest("hex");
    } catch {
      io.stderr(`intake console verify: could not fetch ${url}`);
      return 2;
    }
    io.stdout(`expected ${expected}`);
    io.stdout(`served   ${served}`);
    if (served !== expected) {
      io.stderr("intake console verify: the served console script differs from this release's build");
      return 1;
    }
    io.stdout("the served console script is this release's build");
    return 0;
  },
};
