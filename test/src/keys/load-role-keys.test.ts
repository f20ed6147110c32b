import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { generateBoxKeyPair, newKeyId } from "../../../src/crypto/index.js";
import { isAppError } from "../../../src/errors/app-error.js";
import {
  generateKeys,
  type KeyRole,
  loadRoleKeys,
  MANIFEST_FILE,
  readManifest,
  SERVICE_KEY_NAMES,
  setTeamPublicKey,
} from "../../../src/keys/index.js";
import { createLogger, type Log } from "../../../src/log/index.js";

const root = mkdtempSync(join(tmpdir(), "intake-keys-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function freshDir(): Promise<string> {
  const dir = join(root, `k${n++}`);
  await generateKeys(dir);
  return dir;
}

/** A logger whose JSON lines are collected for inspection. */
function capturingLog(): { log: Log; lines: () => Record<string, unknown>[]; raw: () => string } {
  let raw = "";
  const destination = new Writable({
    write(chunk, _enc, done) {
      raw += chunk.toString();
      done();
    },
  });
  const log = createLogger({ level: "info", destination });
  return {
    log,
    raw: () => raw,
    lines: () =>
      raw
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected loading to fail");
}

const silent = createLogger({ level: "silent" });

describe("generateKeys", () => {
  it("creates the directory 0700 and every file 0600", async () => {
    const dir = await freshDir();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of [MANIFEST_FILE, ...SERVICE_KEY_NAMES.map((k) => `${k}.key`)]) {
      expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    }
  });

  it("refuses to overwrite existing keys and leaves them unchanged", async () => {
    const dir = await freshDir();
    const before = readFileSync(join(dir, "intake.key"), "utf8");
    expect((await failure(generateKeys(dir))).code).toBe("KEYS_EXIST");
    unlinkSync(join(dir, MANIFEST_FILE));
    expect((await failure(generateKeys(dir))).code).toBe("KEYS_EXIST");
    expect(readFileSync(join(dir, "intake.key"), "utf8")).toBe(before);
  });

  it("puts no secret in the manifest", async () => {
    const dir = await freshDir();
    const manifest = readFileSync(join(dir, MANIFEST_FILE), "utf8");
    for (const name of SERVICE_KEY_NAMES) {
      const file = JSON.parse(readFileSync(join(dir, `${name}.key`), "utf8")) as {
        keys: Record<string, string>;
      };
      for (const secret of Object.values(file.keys)) expect(manifest).not.toContain(secret);
    }
  });
});

describe("loadRoleKeys", () => {
  it("serve loads intake and outbound PUBLIC keys, state and lookup secrets", async () => {
    const dir = await freshDir();
    const keys = await loadRoleKeys(dir, "serve", silent);
    const m = readManifest(dir);
    expect(keys.intake.current).toBe(m.keys.intake?.current);
    expect(keys.state.keys.size).toBe(1);
    for (const k of [...keys.intake.keys.values(), ...keys.outbound.keys.values()]) {
      expect(k).toBeInstanceOf(Uint8Array);
      expect(k.length).toBe(32);
    }
  });

  it("work loads intake and outbound key pairs, lookup, and the team public key once it exists", async () => {
    const dir = await freshDir();
    expect((await loadRoleKeys(dir, "work", silent)).team).toBeUndefined();
    const team = generateBoxKeyPair();
    const teamId = newKeyId();
    setTeamPublicKey(dir, teamId, team.publicKey);
    const keys = await loadRoleKeys(dir, "work", silent);
    expect(keys.team?.keyId).toBe(teamId);
    expect(keys.team?.key).toEqual(team.publicKey);
    expect(keys.intake.keys.get(keys.intake.current)?.secretKey.length).toBe(32);
  });

  it.each([
    ["serve", "state.key"],
    ["serve", "lookup.key"],
    ["serve", MANIFEST_FILE],
    ["work", "intake.key"],
    ["work", "lookup.key"],
    ["work", "outbound.key"],
    ["work", MANIFEST_FILE],
  ] as const)("%s refuses to start without %s and names it", async (role, file) => {
    const dir = await freshDir();
    unlinkSync(join(dir, file));
    const f = await failure(loadRoleKeys(dir, role, silent));
    expect(f.code).toBe("KEY_MISSING");
    expect(f.message).toContain(file);
  });

  it.each(["serve", "work"] as const)(
    "%s does not need the files of the other role",
    async (role: KeyRole) => {
      const dir = await freshDir();
      const other = role === "serve" ? ["intake.key", "outbound.key"] : ["state.key"];
      for (const f of other) unlinkSync(join(dir, f));
      const cap = capturingLog();
      await loadRoleKeys(dir, role, cap.log);
      expect(cap.lines().filter((l) => l.event === "keys.unneeded_secret_readable")).toEqual([]);
    },
  );

  it.each([
    ["serve", ["intake.key", "outbound.key"]],
    ["work", ["state.key"]],
  ] as const)(
    "%s warns (event and file name only) about readable secrets it must not hold",
    async (role, files) => {
      const dir = await freshDir();
      const cap = capturingLog();
      await loadRoleKeys(dir, role, cap.log);
      const warned = cap.lines().filter((l) => l.event === "keys.unneeded_secret_readable");
      expect(warned.map((l) => l.file).sort()).toEqual([...files].sort());
      for (const l of warned) expect(l.level).toBe("warn");
      for (const name of SERVICE_KEY_NAMES) {
        const file = JSON.parse(readFileSync(join(dir, `${name}.key`), "utf8")) as {
          keys: Record<string, string>;
        };
        for (const secret of Object.values(file.keys)) expect(cap.raw()).not.toContain(secret);
      }
    },
  );

  it("warns when a key file is readable by group or others", async () => {
    const dir = await freshDir();
    chmodSync(join(dir, "lookup.key"), 0o644);
    const cap = capturingLog();
    await loadRoleKeys(dir, "serve", cap.log);
    expect(
      cap.lines().some((l) => l.event === "keys.file_permissions_too_open" && l.file === "lookup.key"),
    ).toBe(true);
  });

  it("refuses the same secret under two purposes (state = lookup)", async () => {
    const dir = await freshDir();
    const m = readManifest(dir);
    const lookup = JSON.parse(readFileSync(join(dir, "lookup.key"), "utf8")) as {
      keys: Record<string, string>;
    };
    const secret = Object.values(lookup.keys)[0];
    const stateId = m.keys.state?.current ?? "";
    writeFileSync(
      join(dir, "state.key"),
      JSON.stringify({ format: 1, name: "state", keys: { [stateId]: secret } }),
    );
    const f = await failure(loadRoleKeys(dir, "serve", silent));
    expect(f.code).toBe("KEY_REUSED");
    expect(f.message).not.toContain(secret);
  });

  it("refuses a team public key equal to the intake public key", async () => {
    const dir = await freshDir();
    const serve = await loadRoleKeys(dir, "serve", silent);
    setTeamPublicKey(dir, newKeyId(), serve.intake.keys.get(serve.intake.current) as Uint8Array);
    expect((await failure(loadRoleKeys(dir, "work", silent))).code).toBe("KEY_REUSED");
  });

  it("refuses a secret key file that does not match the manifest's public key", async () => {
    const dir = await freshDir();
    const m = readManifest(dir);
    const other = await freshDir();
    const otherIntake = JSON.parse(readFileSync(join(other, "intake.key"), "utf8")) as {
      keys: Record<string, string>;
    };
    const id = m.keys.intake?.current ?? "";
    writeFileSync(
      join(dir, "intake.key"),
      JSON.stringify({ format: 1, name: "intake", keys: { [id]: Object.values(otherIntake.keys)[0] } }),
    );
    expect((await failure(loadRoleKeys(dir, "work", silent))).code).toBe("KEY_INVALID");
  });

  it.each(["{", '{"format":2,"keys":{}}', '{"format":1,"keys":{"intake":{"current":"x","versions":{}}}}'])(
    "refuses a malformed manifest %j",
    async (text) => {
      const dir = await freshDir();
      writeFileSync(join(dir, MANIFEST_FILE), text);
      const f = await failure(loadRoleKeys(dir, "serve", silent));
      expect(f.code).toBe("KEY_INVALID");
      expect(f.message).toContain(MANIFEST_FILE);
    },
  );
});
