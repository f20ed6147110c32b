#!/usr/bin/env node
// `npm run bench [-- SECTION... --quick]`: runs bench/run.ts through tsx in a child process, so the bench
// has the same TypeScript loading as the CLI and tests, and passes its exit code through.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const child = spawn(
  process.execPath,
  ["--import", "tsx", join(root, "bench", "run.ts"), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
