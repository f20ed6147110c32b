#!/usr/bin/env node
// `npm run bench [-- SECTION... --quick]`: starts (or reuses) Redis and a MongoDB-compatible server as
// `npm test` does, runs bench/run.ts through tsx in a child process (the same TypeScript loading as the CLI
// and tests), stops only what it started, and passes the exit code through.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureServices, root } from "./lib/services.mjs";

const say = (line) => console.error(`[bench] ${line}`);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const mongoUri = process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake";
let services;
let code = 1;
try {
  services = await ensureServices({ redisUrl, mongoUri, say });
  code = await new Promise((resolveRun) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "bench", "run.ts"), ...process.argv.slice(2)],
      { cwd: root, stdio: "inherit", env: { ...process.env, REDIS_URL: redisUrl, MONGODB_URI: mongoUri } },
    );
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (status, signal) => resolveRun(status ?? (signal ? 1 : 0)));
  });
} catch (err) {
  console.error(`[bench] ${err.message}`);
} finally {
  if (services) await services.stop();
}
process.exit(code);
