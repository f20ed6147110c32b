// Local services for `npm test` and `npm run demo`: reuse what answers, start what is missing, stop only
// what this process started. Plain Node (no TypeScript) because it runs before dependencies may exist.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const dataDir = join(root, ".data");
const runDir = join(dataDir, "run");
const FERRETDB_VERSION = "v1.24.2";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends one RESP command and resolves with the first reply line, or undefined if nothing answers. */
export function redisPing(host, port, timeoutMs = 800) {
  return new Promise((resolvePing) => {
    const socket = net.connect({ host, port });
    const done = (value) => {
      socket.destroy();
      resolvePing(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on("error", () => done(undefined));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(d.toString().split("\r\n")[0]));
  });
}

/** Sends an OP_MSG `ping` to a MongoDB-compatible server; resolves true when it answers ok. */
export function mongoPing(host, port, timeoutMs = 800) {
  return new Promise((resolvePing) => {
    const socket = net.connect({ host, port });
    const done = (value) => {
      socket.destroy();
      resolvePing(value);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write(opMsgPing()));
    let buf = Buffer.alloc(0);
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) done(buf.includes(Buffer.from("ok")));
    });
  });
}

function opMsgPing() {
  // BSON { ping: 1, $db: "admin" }
  const doc = bson([
    [0x10, "ping", int32(1)],
    [0x02, "$db", bsonString("admin")],
  ]);
  const body = Buffer.concat([int32(0), Buffer.from([0]), doc]); // flagBits, section kind 0, document
  const header = Buffer.concat([int32(16 + body.length), int32(1), int32(0), int32(2013)]);
  return Buffer.concat([header, body]);
}
function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}
function bsonString(s) {
  const str = Buffer.from(`${s}\0`, "utf8");
  return Buffer.concat([int32(str.length), str]);
}
function bson(elements) {
  const parts = elements.map(([type, name, value]) =>
    Buffer.concat([Buffer.from([type]), Buffer.from(`${name}\0`), value]),
  );
  const content = Buffer.concat([...parts, Buffer.from([0])]);
  return Buffer.concat([int32(content.length + 4), content]);
}

function which(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  const found = r.status === 0 ? r.stdout.trim() : "";
  return found || undefined;
}

function isLocal(host) {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]";
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(150);
  }
  throw new Error(`${what} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}

function startDetached(name, cmd, args, logFile) {
  mkdirSync(runDir, { recursive: true });
  const out = openSync(logFile, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", out, out] });
  child.unref();
  writeFileSync(join(runDir, `${name}.pid`), String(child.pid));
  return child.pid;
}

export function parseRedisUrl(url) {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) };
}

export function parseMongoUri(uri) {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/:,?]+)(?::(\d+))?/.exec(uri);
  if (!m) return undefined; // mongodb+srv or a replica set list: never started locally
  return { host: m[1], port: Number(m[2] ?? 27017) };
}

async function ensureRedis(url, say) {
  const { host, port } = parseRedisUrl(url);
  if ((await redisPing(host, port)) === "+PONG") {
    say(`redis: using the server at ${host}:${port}`);
    return undefined;
  }
  const bin = which("redis-server");
  if (!isLocal(host) || !bin) {
    throw new Error(
      `Nothing answers at REDIS_URL (${host}:${port}).` +
        (bin
          ? " It is not a local address, so it is not started here."
          : " Install Redis 7 (apt-get install redis-server) or set REDIS_URL to a running server."),
    );
  }
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const pid = startDetached(
    `redis-${port}`,
    bin,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
    ],
    join(dir, "redis.log"),
  );
  await waitFor(
    async () => (await redisPing(host, port)) === "+PONG",
    `redis-server on port ${port}`,
    10_000,
  );
  say(`redis: started redis-server on ${host}:${port} (pid ${pid}, data in .data/redis)`);
  return { name: `redis-${port}`, pid };
}

/** Builds (once) the FerretDB wrapper in scripts/ferretdb and returns its path, or undefined without Go. */
export function ferretdbBinary(say) {
  const srcDir = join(root, "scripts", "ferretdb");
  const hash = createHash("sha256")
    .update(readFileSync(join(srcDir, "main.go")))
    .update(readFileSync(join(srcDir, "go.sum")))
    .digest("hex")
    .slice(0, 12);
  const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "hrd-intake");
  const bin = join(cacheDir, `ferretdb-local-${FERRETDB_VERSION}-${hash}`);
  if (existsSync(bin)) return bin;
  const go = which("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
  if (!go) return undefined;
  mkdirSync(cacheDir, { recursive: true });
  say(
    `mongodb: building FerretDB ${FERRETDB_VERSION} with Go (first time only; a few minutes on a cold cache)...`,
  );
  const started = Date.now();
  const r = spawnSync(go, ["build", "-o", bin, "."], {
    cwd: srcDir,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  if (r.status !== 0)
    throw new Error(`Building FerretDB failed (go build exited ${r.status}); see the output above.`);
  say(`mongodb: FerretDB built in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

async function ensureMongo(uri, say) {
  const target = parseMongoUri(uri);
  if (!target) {
    say("mongodb: MONGODB_URI is not a single host; assuming it is managed elsewhere");
    return undefined;
  }
  const { host, port } = target;
  if (await mongoPing(host, port)) {
    say(`mongodb: using the server at ${host}:${port}`);
    return undefined;
  }
  if (!isLocal(host))
    throw new Error(`Nothing answers at MONGODB_URI (${host}:${port}), and it is not a local address.`);
  const mongod = which("mongod");
  let pid;
  let name = `mongodb-${port}`;
  if (mongod) {
    const dir = join(dataDir, "mongodb");
    mkdirSync(dir, { recursive: true });
    pid = startDetached(
      name,
      mongod,
      ["--dbpath", dir, "--port", String(port), "--bind_ip", "127.0.0.1"],
      join(dir, "mongod.log"),
    );
  } else {
    const bin = ferretdbBinary(say);
    if (!bin) {
      throw new Error(
        `No MongoDB-compatible server answers at ${host}:${port}, and neither mongod nor Go is installed.\n` +
          "  Do one of: install Go 1.24+ (FerretDB is then built automatically), install MongoDB 6+ (mongod),\n" +
          "  or set MONGODB_URI to a running MongoDB 6+ / FerretDB server.",
      );
    }
    const dir = join(dataDir, "ferretdb");
    mkdirSync(dir, { recursive: true });
    name = `ferretdb-${port}`;
    pid = startDetached(
      name,
      bin,
      ["-listen-addr", `127.0.0.1:${port}`, "-sqlite-url", `file:${dir}/`, "-log-level", "error"],
      join(dir, "ferretdb.log"),
    );
  }
  await waitFor(() => mongoPing(host, port), `${name} on port ${port}`, 20_000);
  say(
    `mongodb: started ${mongod ? "mongod" : "FerretDB"} on ${host}:${port} (pid ${pid}, data in .data/${mongod ? "mongodb" : "ferretdb"})`,
  );
  return { name, pid };
}

/**
 * Makes sure Redis and a MongoDB-compatible server answer. Returns what it started and a `stop` that
 * stops exactly those processes.
 */
export async function ensureServices({ redisUrl, mongoUri, say = (line) => console.log(line) }) {
  const started = [];
  const r = await ensureRedis(redisUrl, say);
  if (r) started.push(r);
  try {
    const m = await ensureMongo(mongoUri, say);
    if (m) started.push(m);
  } catch (err) {
    await stopStarted(started, say);
    throw err;
  }
  return { started, stop: () => stopStarted(started, say) };
}

export async function stopStarted(started, say = (line) => console.log(line)) {
  for (const s of [...started].reverse()) {
    try {
      process.kill(s.pid, "SIGTERM");
    } catch {}
    for (let i = 0; i < 50 && pidAlive(s.pid); i++) await sleep(100);
    if (pidAlive(s.pid)) {
      try {
        process.kill(s.pid, "SIGKILL");
      } catch {}
    }
    rmSync(join(runDir, `${s.name}.pid`), { force: true });
    say(`${s.name}: stopped (pid ${s.pid})`);
  }
}

/** Stops every service a previous `up` recorded in .data/run (for `npm run services -- down`). */
export async function stopRecorded(say = (line) => console.log(line)) {
  if (!existsSync(runDir)) return;
  const { readdirSync } = await import("node:fs");
  const started = readdirSync(runDir)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => ({ name: f.slice(0, -4), pid: Number(readFileSync(join(runDir, f), "utf8")) }))
    .filter((s) => Number.isInteger(s.pid) && s.pid > 0);
  await stopStarted(
    started.filter((s) => pidAlive(s.pid)),
    say,
  );
  for (const s of started) rmSync(join(runDir, `${s.name}.pid`), { force: true });
}
