import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { createAuditLog, genesisHash } from "../../src/storage/audit.js";
import { auditHeadMac, keyedAuditHash } from "../../src/storage/audit-chain.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { useTestMongo } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { testRedisUrl } from "../support/services.js";

const bin = join(projectRoot, "bin", "intake.mjs");
const mongo = useTestMongo();
const keys = await makeTestKeys();
const auditKey = keys.work.audit;
let storage: Storage;

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        INTAKE_MODE: "demo",
        MONGODB_URI: mongo.uri,
        REDIS_URL: testRedisUrl,
        KEYS_DIR: keys.dir,
        LOG_LEVEL: "silent",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  storage = connectStorage(mongo.uri);
  await storage.ensureIndexes();
});
afterAll(async () => {
  await storage.close();
});

describe("intake audit verify", () => {
  it("exits 0 and prints the count and last hash for an intact chain, 1 once an event is edited", async () => {
    const log = createAuditLog({ connection: storage.connection, key: auditKey });
    let last = "";
    for (const action of ["login", "view", "decrypt"] as const) {
      last = (await log.append({ actor: "staff1", action, requestId: "req1" })).hash;
    }
    const ok = await run(["audit", "verify"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`audit chain ok: 3 events checked, last hash ${last}`);

    const db = (await mongo.client()).db(mongo.dbName);
    await db.collection<{ _id: number }>("audit").updateOne({ _id: 2 }, { $set: { action: "export" } });
    const broken = await run(["audit", "verify"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("audit chain BROKEN at seq 2");
    await db.collection("audit").deleteMany({});
    await db.collection("audit_head").deleteMany({});
  });

  it("is listed in the usage", async () => {
    const r = await run(["--help"]);
    expect(r.stdout).toContain("audit verify");
  });
});

describe("intake audit checkpoint", () => {
  const dir = keys.dir;
  const file = join(dir, "..", "checkpoint-1.json");

  it("writes a keyed checkpoint that verify checks; a rewrite below it (even with the key) is caught", async () => {
    const log = createAuditLog({ connection: storage.connection, key: auditKey });
    for (const action of ["login", "view", "decrypt"] as const) {
      await log.append({ actor: "staff1", action, requestId: "req1" });
    }
    const head3 = await log.hashAt(3);
    const made = await run(["audit", "checkpoint", "--out", file]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    const checkpoint = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    expect(checkpoint).toMatchObject({
      seq: 3,
      count: 3,
      head: head3,
      alg: "hmac-sha256",
      keyId: auditKey.current,
    });
    expect(typeof checkpoint.mac).toBe("string");
    expect(typeof checkpoint.at).toBe("string");

    // Later events do not disturb an earlier checkpoint.
    await log.append({ actor: "staff1", action: "logout" });
    const ok = await run(["audit", "verify", "--checkpoint", file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`checkpoint ${file}: ok (seq 3`);

    // Someone holding the audit key rewrites event 2 and relinks everything after it, head included: the
    // chain alone verifies again, the checkpoint kept elsewhere does not.
    const secret = auditKey.keys.get(auditKey.current) as Uint8Array;
    const db = (await mongo.client()).db(mongo.dbName);
    const col = db.collection<Record<string, unknown> & { _id: number }>("audit");
    let prevHash = genesisHash;
    for (const doc of await col.find({}).sort({ seq: 1 }).toArray()) {
      const fields = {
        seq: doc.seq as number,
        at: doc.at as Date,
        actor: doc.actor as string,
        action: doc._id === 2 ? "export" : (doc.action as string),
        requestId: (doc.requestId as string | null) ?? null,
        details: doc.details as Record<string, never>,
        prevHash,
      };
      const hash = keyedAuditHash(fields, auditKey.current, secret);
      await col.updateOne({ _id: doc._id }, { $set: { action: fields.action, prevHash, hash } });
      prevHash = hash;
    }
    await db
      .collection<{ _id: string }>("audit_head")
      .updateOne(
        { _id: "head" },
        { $set: { seq: 4, hash: prevHash, mac: auditHeadMac(4, prevHash, auditKey.current, secret) } },
      );
    const rewritten = await run(["audit", "verify", "--checkpoint", file]);
    expect(rewritten.stdout).toContain("audit chain ok: 4 events checked");
    expect(rewritten.stdout).toContain(`checkpoint ${file}: MISMATCH`);
    expect(rewritten.code).toBe(1);
  });

  it("refuses a checkpoint file that was edited, and writes none for a broken chain", async () => {
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/"seq": 3/, '"seq": 2').replace(/"count": 3/, '"count": 2'));
    const edited = await run(["audit", "verify", "--checkpoint", file]);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain("INVALID (bad mac)");

    const db = (await mongo.client()).db(mongo.dbName);
    await db.collection<{ _id: number }>("audit").deleteOne({ _id: 2 });
    const other = join(dir, "..", "checkpoint-2.json");
    const refused = await run(["audit", "checkpoint", "--out", other]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("BROKEN");
    expect(existsSync(other)).toBe(false);
  });

  it("needs --out and is listed in the usage", async () => {
    expect((await run(["audit", "checkpoint"])).code).toBe(2);
    expect((await run(["--help"])).stdout).toContain("audit checkpoint");
  });
});
