#!/usr/bin/env node
// `npm test`: install what is missing, start (or reuse) Redis and a MongoDB-compatible server, run the
// whole vitest suite against them, then stop only what was started here. Extra arguments go to vitest.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureChromium, ensureDependencies } from "./lib/install.mjs";
import { ensureServices, root } from "./lib/services.mjs";

const say = (line) => console.log(`[test] ${line}`);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const mongoUri = process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake";
let services;
let code = 1;
try {
  ensureDependencies(say);
  const chromium = ensureChromium(say);
  services = await ensureServices({ redisUrl, mongoUri, say });
  code = await new Promise((resolveRun) => {
    const child = spawn(
      process.execPath,
      [join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...process.argv.slice(2)],
      {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, REDIS_URL: redisUrl, MONGODB_URI: mongoUri, CHROMIUM_PATH: chromium },
      },
    );
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (status, signal) => resolveRun(status ?? (signal ? 1 : 0)));
  });
} catch (err) {
  console.error(`[test] ${err.message}`);
  console.log("0 passed, 1 failed");
  code = 1;
} finally {
  if (services) await services.stop();
}
process.exit(code);
