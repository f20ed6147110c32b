#!/usr/bin/env node
// `npm run demo`: install what is missing, start (or reuse) Redis and a MongoDB-compatible server, start
// `intake all` in demo mode, print where to go. Ctrl-C stops everything this script started.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureDependencies } from "./lib/install.mjs";
import { ensureServices, root } from "./lib/services.mjs";

const say = (line) => console.log(`[demo] ${line}`);
const port = process.env.PORT || "3000";
const env = {
  ...process.env,
  INTAKE_MODE: "demo",
  PORT: port,
  REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
  MONGODB_URI: process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake",
  LOG_LEVEL: process.env.LOG_LEVEL || "warn",
};

let services;
let app;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  say("stopping...");
  if (app && app.exitCode === null) {
    app.kill("SIGTERM");
    await new Promise((r) => app.once("exit", r));
  }
  if (services) await services.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  ensureDependencies(say);
  services = await ensureServices({ redisUrl: env.REDIS_URL, mongoUri: env.MONGODB_URI, say });
  app = spawn(process.execPath, [join(root, "bin", "intake.mjs"), "all"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  app.stdout.on("data", (chunk) => {
    const text = chunk.toString();
    process.stdout.write(text);
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) {
      const base = m[1].replace("127.0.0.1", "localhost");
      say("ready:");
      say(`  health        ${base}/healthz`);
      say(`  readiness     ${base}/readyz`);
      say("Press Ctrl-C to stop everything the demo started.");
    }
  });
  app.on("exit", (code) => {
    if (!stopping) {
      say(`intake all exited with code ${code}`);
      void stop(code ?? 1);
    }
  });
} catch (err) {
  console.error(`[demo] ${err.message}`);
  await stop(1);
}
