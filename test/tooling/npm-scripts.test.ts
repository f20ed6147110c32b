import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";

/** The npm scripts a newcomer types first pass their arguments through as the docs say. */
describe("npm run services", () => {
  it("passes its subcommand through: an unknown one prints the usage and exits 2 instead of starting services", () => {
    const r = spawnSync("npm", ["run", "--silent", "services", "--", "bogus"], {
      cwd: projectRoot,
      encoding: "utf8",
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: node scripts/services.mjs up|down");
  });
});
