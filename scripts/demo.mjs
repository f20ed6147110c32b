#!/usr/bin/env node
// `npm run demo`: install what is missing, start (or reuse) Redis and a MongoDB-compatible server, make demo
// keys and a demo admin if missing, start the Telegram/Twilio stand-ins with the simulator page and
// `intake all` in demo mode, wait until it is ready, and print where to go. Ctrl-C stops everything this
// script started (each child runs in its own process group, stopped as a group).
//
//   npm run demo                          start (a second run reuses the keys and the admin)
//   npm run demo -- --seed 6              also drive 6 fictional intakes through the webhooks
//   npm run demo -- totp                  print the demo admin's current TOTP code
//   options: --telegram-port 3101 --twilio-port 3102 --state-dir .data/demo
//   environment: PORT, REDIS_URL, REDIS_PREFIX, MONGODB_URI, KEYS_DIR, LOG_LEVEL are honoured.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureDependencies } from "./lib/install.mjs";
import { ensureServices, root } from "./lib/services.mjs";

const say = (line) => console.log(`[demo] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { values: options, positionals } = parseArgs({
  options: {
    seed: { type: "string" },
    "telegram-port": { type: "string", default: "3101" },
    "twilio-port": { type: "string", default: "3102" },
    "state-dir": { type: "string" },
  },
  allowPositionals: true,
  strict: true,
});

const port = process.env.PORT || "3000";
const local = `http://127.0.0.1:${port}`;
const stateDir = resolve(options["state-dir"] ?? join(root, ".data", "demo"));
const adminFile = join(stateDir, "admin.json");
const keysDir = resolve(process.env.KEYS_DIR || join(root, ".data", "keys"));
const intakeBin = join(root, "bin", "intake.mjs");

/** The demo admin's current TOTP code, from the credentials the demo saved. */
async function currentCode(totpSecret) {
  const { TOTP, Secret } = await import("otpauth");
  const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(totpSecret) });
  const secondsLeft = 30 - (Math.floor(Date.now() / 1000) % 30);
  return { code: totp.generate(), secondsLeft };
}

if (positionals[0] === "totp") {
  if (!existsSync(adminFile)) {
    console.error("[demo] no demo admin yet: run `npm run demo` first");
    process.exit(1);
  }
  const admin = JSON.parse(readFileSync(adminFile, "utf8"));
  const { code, secondsLeft } = await currentCode(admin.totpSecret);
  console.log(`${code}   (TOTP for ${admin.username}; valid for ${secondsLeft} more s)`);
  process.exit(0);
}
if (positionals.length > 0) {
  console.error(`[demo] unknown argument '${positionals[0]}' (try: npm run demo -- totp)`);
  process.exit(2);
}
const seed = options.seed === undefined ? 0 : Number(options.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 200) {
  console.error("[demo] --seed expects a number from 0 to 200");
  process.exit(2);
}

// Demo values: the stand-ins accept these, nothing real is ever contacted. Secrets are fresh per run.
const env = {
  ...process.env,
  INTAKE_MODE: "demo",
  HOST: "127.0.0.1",
  PORT: port,
  PUBLIC_BASE_URL: local,
  REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
  MONGODB_URI: process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake",
  KEYS_DIR: keysDir,
  LOG_LEVEL: process.env.LOG_LEVEL || "warn",
  // A new bot id each run: the stand-in numbers updates from the same update_id every time it starts, and the
  // ingress remembers update ids (per bot) for 72 h, so reusing the bot id would drop every Telegram message
  // of a second run as a redelivery. Real Telegram never reuses an update_id.
  TELEGRAM_BOT_TOKEN: `${7_000_000_000 + randomInt(0, 999_999_999)}:AAStandInDemoToken_${randomBytes(12).toString("base64url")}`,
  TELEGRAM_WEBHOOK_SECRET: randomBytes(24).toString("base64url"),
  TELEGRAM_MODE: "webhook",
  TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString("hex")}`,
  TWILIO_AUTH_TOKEN: randomBytes(16).toString("hex"),
  TWILIO_FROM: "+15005550006",
  TELEGRAM_API_ROOT: `http://127.0.0.1:${options["telegram-port"]}`,
  TWILIO_API_BASE: `http://127.0.0.1:${options["twilio-port"]}`,
  // A simulated defender answers quickly, and the stand-in has no carrier queue: relax the pacing a little.
  RATE_PER_SENDER_PER_MINUTE: process.env.RATE_PER_SENDER_PER_MINUTE || "60",
  TWILIO_SEGMENTS_PER_SECOND: process.env.TWILIO_SEGMENTS_PER_SECOND || "20",
};

/** Children this script started, each the leader of its own process group. */
const children = [];
let services;
let stopping = false;

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
  const timeout = sleep(10_000).then(() => "timeout");
  if ((await Promise.race([exited, timeout])) === "timeout") {
    say(`${child.name} did not stop within 10 s: killing it`);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    await exited;
  }
  // Anything left in its group (there should be nothing) goes too.
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  say("stopping...");
  for (const child of [...children].reverse()) await stopChild(child);
  if (services) await services.stop();
  say("stopped everything the demo started");
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
process.on("SIGHUP", () => void stop(0));

/** Starts a child in its own process group, forwarding its output line by line with a prefix. */
function start(name, args, onLine) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.name = name;
  children.push(child);
  say(`${name}: started (pid ${child.pid})`);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream.on("data", (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (onLine?.(line) !== false) process.stdout.write(`[${name}] ${line}\n`);
      }
    });
  }
  child.on("exit", (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? `code ${code}`})`);
      void stop(code || 1);
    }
  });
  return child;
}

/** Runs `intake <args>` to completion, returning its exit status and output. */
function intake(args, input) {
  return spawnSync(process.execPath, [intakeBin, ...args], {
    cwd: root,
    env,
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
}

function ensureKeys() {
  if (existsSync(join(keysDir, "manifest.json"))) {
    say(`keys: reusing ${keysDir}`);
    // Demo keys made before the audit chain key existed (security row 30) get one now.
    const manifest = JSON.parse(readFileSync(join(keysDir, "manifest.json"), "utf8"));
    if (!manifest.keys?.audit) {
      const g = intake(["keys", "generate", "audit"]);
      if (g.status !== 0) throw new Error(`intake keys generate audit failed:\n${g.stderr || g.stdout}`);
      say("keys: added the audit chain key (intake keys generate audit)");
    }
    return;
  }
  const r = intake(["keys", "init"]);
  if (r.status !== 0) throw new Error(`intake keys init failed:\n${r.stderr || r.stdout}`);
  say(`keys: created demo keys in ${keysDir} (intake keys init)`);
}

/** Creates the demo admin once per database with `intake staff add`, and keeps its credentials. */
function ensureAdmin() {
  if (existsSync(adminFile)) {
    const saved = JSON.parse(readFileSync(adminFile, "utf8"));
    if (saved.mongoUri === env.MONGODB_URI) {
      say(`admin: reusing the demo admin '${saved.username}' (credentials in ${adminFile})`);
      return saved;
    }
  }
  const username = "demo-admin";
  // Demo only: a readable generated passphrase, printed below. Real staff choose their own.
  const passphrase = `demo-${randomBytes(12).toString("base64url")}`;
  const r = intake(
    ["staff", "add", "--admin", "--name", username, "--display-name", "Demo admin", "--kdf", "interactive"],
    `${passphrase}\n`,
  );
  if (r.status !== 0) {
    if (/team key exists/.test(r.stderr)) {
      say("admin: this database already has staff that the demo did not create; sign in with that account,");
      say("       or point MONGODB_URI at a fresh database to get a demo admin.");
      return undefined;
    }
    throw new Error(`intake staff add failed:\n${r.stderr || r.stdout}`);
  }
  const totpSecret = /TOTP secret: (\S+)/.exec(r.stdout)?.[1];
  if (!totpSecret) throw new Error("intake staff add did not print a TOTP secret");
  const admin = { username, passphrase, totpSecret, mongoUri: env.MONGODB_URI };
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(adminFile, `${JSON.stringify(admin, null, 2)}\n`, { mode: 0o600 });
  chmodSync(adminFile, 0o600);
  say(`admin: created the demo admin '${username}' and the team key (intake staff add --admin)`);
  return admin;
}

/**
 * The screening worker seals only to a team key pinned in the key manifest (security row 27). `intake staff
 * add` pins the key it makes; a demo database reused with fresh keys needs the database's key pinned again.
 * Demo only: this confirms without comparing the fingerprint over a second channel, as operators must.
 */
function ensureTeamPin() {
  const manifest = JSON.parse(readFileSync(join(keysDir, "manifest.json"), "utf8"));
  if (manifest.keys?.team) return;
  const r = intake(["keys", "pin-team"], "yes\n");
  if (r.status === 0)
    say("keys: pinned the database's team key (intake keys pin-team; demo: fingerprint not compared)");
}

async function waitReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {}
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 within ${Math.round(timeoutMs / 1000)} s`);
}

try {
  const started = Date.now();
  ensureDependencies(say);
  services = await ensureServices({ redisUrl: env.REDIS_URL, mongoUri: env.MONGODB_URI, say });
  ensureKeys();
  const admin = ensureAdmin();
  ensureTeamPin();

  // Both start at once: the stand-ins' addresses are fixed by their ports.
  const standInsReady = new Promise((resolveReady) => {
    start(
      "stand-ins",
      [
        "--import",
        "tsx",
        join(root, "stand-ins", "demo-server.ts"),
        "--telegram-port",
        options["telegram-port"],
        "--twilio-port",
        options["twilio-port"],
        ...(seed > 0 ? ["--seed", String(seed)] : []),
      ],
      (line) => {
        const m = /^demo-server: ready (\{.*\})$/.exec(line);
        if (m) {
          resolveReady(JSON.parse(m[1]));
          return false;
        }
        return true;
      },
    );
  });
  start("intake", [intakeBin, "all"]);
  const standIns = await Promise.race([
    standInsReady,
    sleep(60_000).then(() => {
      throw new Error("the stand-ins did not start within 60 s");
    }),
  ]);
  await waitReady(`${local}/readyz`, 90_000);
  if (stopping) await new Promise(() => {});

  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  say(`  simulator      ${standIns.simulatorUrl}`);
  say(`  staff console  ${local}/staff`);
  say(`  health         ${local}/healthz   readiness ${local}/readyz   metrics ${local}/metrics`);
  if (admin) {
    const { code, secondsLeft } = await currentCode(admin.totpSecret);
    say(`  sign in as     ${admin.username}`);
    say(`  passphrase     ${admin.passphrase}`);
    say(`  TOTP secret    ${admin.totpSecret}   (code now: ${code}, ${secondsLeft} s left)`);
    say("  a fresh code   npm run demo -- totp");
  }
  if (seed > 0) say(`seeding ${seed} fictional requests through the webhooks (progress below)...`);
  say("Press Ctrl-C to stop everything the demo started.");
} catch (err) {
  console.error(`[demo] ${err.message}`);
  await stop(1);
}
