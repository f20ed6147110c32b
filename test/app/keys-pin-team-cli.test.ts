import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { cryptoReady, generateBoxKeyPair, newKeyId, toBase64url } from "../../src/crypto/index.js";
import { generateKeys, keyFingerprint, MANIFEST_FILE, readTeamPins } from "../../src/keys/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createStaffStore } from "../../src/storage/staff.js";
import { useTestMongo } from "../support/isolation.js";

/** `intake keys pin-team` (row 27): shows the fingerprint, pins only after a match or a typed "yes". */

const mongo = useTestMongo();
const root = mkdtempSync(join(tmpdir(), "intake-pin-team-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let storage: Storage;

function intake(args: string[], stdin = "", env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, "bin", "intake.mjs"), ...args], {
      env: { PATH: process.env.PATH ?? "", INTAKE_MODE: "demo", LOG_LEVEL: "silent", ...env },
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
    child.stdin.end(stdin);
  });
}

await cryptoReady();
const team = { keyId: newKeyId(), pair: generateBoxKeyPair() };

beforeAll(async () => {
  storage = connectStorage(mongo.uri);
  const staff = createStaffStore(storage.connection);
  await staff.ensureIndexes();
  await staff.addTeamKey({
    keyId: team.keyId,
    publicKey: toBase64url(team.pair.publicKey),
    createdBy: "admin1",
  });
});
afterAll(async () => {
  await storage?.close();
});

async function freshDir(name: string): Promise<string> {
  const dir = join(root, name);
  await generateKeys(dir);
  return dir;
}

describe("intake keys pin-team", () => {
  it("prints the database key's fingerprint and pins nothing without confirmation or with a wrong fingerprint", async () => {
    const dir = await freshDir("unconfirmed");
    const manifest = readFileSync(join(dir, MANIFEST_FILE), "utf8");
    const env = { MONGODB_URI: mongo.uri, KEYS_DIR: dir };
    const [silent, no, wrong] = await Promise.all([
      intake(["keys", "pin-team"], "", env),
      intake(["keys", "pin-team"], "no\n", env),
      intake(["keys", "pin-team", "--fingerprint", "0000 1111 2222"], "yes\n", env),
    ]);
    for (const r of [silent, no, wrong]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`fingerprint: ${keyFingerprint(team.pair.publicKey)}`);
    }
    expect(silent.stderr).toContain("not confirmed: nothing pinned");
    expect(wrong.stderr).toContain("fingerprint does not match: nothing pinned");
    expect(readFileSync(join(dir, MANIFEST_FILE), "utf8")).toBe(manifest);
    expect(readTeamPins(dir)).toBeUndefined();
  });

  it('pins after a typed "yes", and after a matching --fingerprint (spaces and case do not matter)', async () => {
    const yesDir = await freshDir("yes");
    const yes = await intake(["keys", "pin-team"], "yes\n", { MONGODB_URI: mongo.uri, KEYS_DIR: yesDir });
    expect(yes.stderr).toBe("");
    expect(yes.code).toBe(0);
    expect(readTeamPins(yesDir)?.current).toBe(team.keyId);
    expect(readTeamPins(yesDir)?.keys.get(team.keyId)).toEqual(team.pair.publicKey);

    const fpDir = await freshDir("fingerprint");
    const typed = keyFingerprint(team.pair.publicKey).toUpperCase().replaceAll(" ", ":");
    const fp = await intake(["keys", "pin-team", "--dir", fpDir, "--fingerprint", typed], "", {
      MONGODB_URI: mongo.uri,
    });
    expect(fp.code, fp.stderr).toBe(0);
    expect(readTeamPins(fpDir)?.current).toBe(team.keyId);
    // Running it again changes nothing.
    const again = await intake(["keys", "pin-team", "--dir", fpDir], "", { MONGODB_URI: mongo.uri });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already pinned and current");
  });

  it("rotates through the same path: a new key given offline becomes current, the old pin stays listed", async () => {
    const dir = await freshDir("rotate");
    expect(
      (await intake(["keys", "pin-team"], "yes\n", { MONGODB_URI: mongo.uri, KEYS_DIR: dir })).code,
    ).toBe(0);
    const next = { keyId: newKeyId(), pair: generateBoxKeyPair() };
    const r = await intake(
      [
        "keys",
        "pin-team",
        "--dir",
        dir,
        "--key-id",
        next.keyId,
        "--public-key",
        toBase64url(next.pair.publicKey),
        "--fingerprint",
        keyFingerprint(next.pair.publicKey),
      ],
      "",
      {},
    );
    expect(r.code, r.stderr).toBe(0);
    const pins = readTeamPins(dir);
    expect(pins?.current).toBe(next.keyId);
    expect([...(pins?.keys.keys() ?? [])].sort()).toEqual([team.keyId, next.keyId].sort());
  });

  it("refuses to pin different bytes under a key id that is already pinned", async () => {
    const dir = await freshDir("replace");
    expect(
      (await intake(["keys", "pin-team"], "yes\n", { MONGODB_URI: mongo.uri, KEYS_DIR: dir })).code,
    ).toBe(0);
    const other = generateBoxKeyPair();
    const r = await intake(
      [
        "keys",
        "pin-team",
        "--dir",
        dir,
        "--key-id",
        team.keyId,
        "--public-key",
        toBase64url(other.publicKey),
      ],
      "yes\n",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("DIFFERENT bytes");
    expect(readTeamPins(dir)?.keys.get(team.keyId)).toEqual(team.pair.publicKey);
  });

  it.each([
    [["keys", "pin-team", "--public-key", "abc"]],
    [["keys", "pin-team", "--key-id", "NOT VALID"]],
    [["keys", "pin-team", "--unknown"]],
  ])("refuses bad usage %j with exit code 2", async (args) => {
    expect((await intake(args, "", { KEYS_DIR: join(root, "unused") })).code).toBe(2);
  });

  it("is listed in the usage", async () => {
    expect((await intake(["--help"])).stdout).toContain("keys pin-team");
  });
});
