import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { openTotpSecret } from "../../src/console/totp-at-rest.js";
import { cryptoReady, fromBase64url } from "../../src/crypto/index.js";
import { loadConsoleKey } from "../../src/keys/console-key.js";
import { generateKeys, keyFingerprint, readManifest } from "../../src/keys/index.js";
import { useTestMongo } from "../support/isolation.js";

const mongo = useTestMongo();
const keysDir = mkdtempSync(join(tmpdir(), "staff-add-keys-"));
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

function intake(args: string[], stdin: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, "bin", "intake.mjs"), ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        INTAKE_MODE: "demo",
        MONGODB_URI: mongo.uri,
        KEYS_DIR: join(keysDir, "keys"),
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
    child.stdin.end(stdin);
  });
}

describe("intake staff add", () => {
  it("creates the first admin and the team key, sealed to that admin, and prints the TOTP secret once", async () => {
    await generateKeys(join(keysDir, "keys"));
    const r = await intake(
      ["staff", "add", "--name", "Ada", "--admin", "--kdf", "interactive"],
      "a long test passphrase\n",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const secret = /TOTP secret: ([A-Z2-7]+)/.exec(r.stdout)?.[1] ?? "";
    expect(r.stdout).toMatch(/otpauth:\/\/totp\/hrd-intake:ada\?/);
    expect(r.stdout).not.toContain("a long test passphrase");

    const client = await mongo.client();
    const db = client.db(mongo.dbName);
    const staff = await db.collection("staff").find().toArray();
    expect(staff).toHaveLength(1);
    const admin = staff[0] as Record<string, unknown>;
    expect(admin.username).toBe("ada");
    expect(admin.admin).toBe(true);
    expect(String(admin.authHash)).toMatch(/^\$argon2id\$/);
    expect(String(admin.wrappedPersonalSecret)).toMatch(/^v1\.personal\.uk\./);
    expect(String(admin.sealedTeamSecret)).toMatch(/^v1\.teamkey\.pk\./);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Stored encrypted under the console key in KEYS_DIR (row 36), never in clear.
    expect(String(admin.totpSecret)).toMatch(/^v1\./);
    expect(JSON.stringify(admin)).not.toContain(secret);
    const consoleKey = loadConsoleKey(join(keysDir, "keys"), { create: false });
    expect(openTotpSecret(consoleKey, String(admin._id), String(admin.totpSecret))).toBe(secret);
    // Nothing in the document is the passphrase or a 32-byte raw key.
    expect(JSON.stringify(admin)).not.toContain("a long test passphrase");

    const teamKeys = await db.collection("team_keys").find().toArray();
    expect(teamKeys).toHaveLength(1);
    const team = teamKeys[0] as Record<string, unknown>;
    expect(team.createdBy).toBe(admin._id);
    expect(String(admin.teamKeyId)).toBe(team.keyId);
    expect(Object.keys(team).sort()).toEqual(["_id", "createdAt", "createdBy", "keyId", "publicKey"]);
    // Pinned in this host's manifest (row 27): the screening worker seals only to a pinned team key.
    const manifest = readManifest(join(keysDir, "keys"));
    expect(manifest.keys.team?.current).toBe(team.keyId);
    expect(manifest.keys.team?.versions[String(team.keyId)]?.publicKey).toBe(team.publicKey);
    await cryptoReady();
    expect(fromBase64url(String(team.publicKey))).toHaveLength(32);
    // The fingerprint other hosts compare when they run intake keys pin-team.
    expect(r.stdout).toContain(
      `team key fingerprint: ${keyFingerprint(fromBase64url(String(team.publicKey)))}`,
    );
  }, 120_000);

  it("refuses a second account from the CLI (the team secret exists only wrapped for staff)", async () => {
    const r = await intake(["staff", "add", "--name", "bea", "--admin"], "another long passphrase\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("add further staff in the console");
  }, 120_000);

  it("requires --name and a passphrase of 12 characters or more", async () => {
    const [noName, shortPassphrase] = await Promise.all([
      intake(["staff", "add", "--admin"], "a long test passphrase\n"),
      intake(["staff", "add", "--name", "cy", "--admin"], "short\n"),
    ]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("--name is required");
    expect(shortPassphrase.code).toBe(1);
    expect(shortPassphrase.stderr).toContain("passphrase under 12 characters");
  }, 120_000);
});
