import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { createAuditLog } from "../../src/storage/audit.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { useTestMongo } from "../support/isolation.js";
import { testRedisUrl } from "../support/services.js";

const bin = join(projectRoot, "bin", "intake.mjs");
const mongo = useTestMongo();
let storage: Storage;

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        INTAKE_MODE: "demo",
        MONGODB_URI: mongo.uri,
        REDIS_URL: testRedisUrl,
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
    const log = createAuditLog({ connection: storage.connection });
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
  });

  it("is listed in the usage", async () => {
    const r = await run(["--help"]);
    expect(r.stdout).toContain("audit verify");
  });
});
