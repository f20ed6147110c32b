#!/usr/bin/env node
// `npm run services -- up|down`: start (or reuse) Redis and a MongoDB-compatible server, or stop the ones
// an earlier `up` started. `npm test` and `npm run demo` call the same code themselves.
import { ensureServices, stopRecorded } from "./lib/services.mjs";

const command = process.argv[2] ?? "up";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const mongoUri = process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake";
try {
  if (command === "up") {
    const { started } = await ensureServices({ redisUrl, mongoUri });
    console.log(
      started.length
        ? "services: left running; stop them with `npm run services -- down`"
        : "services: all were already running",
    );
  } else if (command === "down") {
    await stopRecorded();
  } else {
    console.error("usage: node scripts/services.mjs up|down");
    process.exitCode = 2;
  }
} catch (err) {
  console.error(`services: ${err.message}`);
  process.exitCode = 1;
}
