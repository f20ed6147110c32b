import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keysCommands } from "../../app/commands/keys.js";
import {
  decryptState,
  encryptState,
  lookupHash,
  lookupHashes,
  openIntake,
  openOutbound,
  sealIntake,
  sealOutbound,
} from "../../src/crypto/index.js";
import { loadRoleKeys, MANIFEST_FILE, readManifest } from "../../src/keys/index.js";
import { createLogger } from "../../src/log/index.js";

const root = mkdtempSync(join(tmpdir(), "intake-keys-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const silent = createLogger({ level: "silent" });

async function intake(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  // The keys commands are run directly (not through app/cli.ts) so this file does not load every role.
  const command = keysCommands.find((c) => c.path.every((w, i) => args[i] === w));
  if (!command) throw new Error(`no such command: ${args.join(" ")}`);
  const code = await command.run({
    args: args.slice(command.path.length),
    env,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    readStdin: async () => "",
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

const keyIdOf = (envelope: string) => envelope.split(".")[2];

describe("intake keys", () => {
  it("init creates the keys, says which role needs which file, and refuses to run twice", async () => {
    const dir = join(root, "init");
    const first = await intake(["keys", "init", "--dir", dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/serve.*manifest\.json, state\.key, lookup\.key/);
    expect(first.stdout).toMatch(/work.*manifest\.json, intake\.key, lookup\.key, outbound\.key/);
    // The audit chain key (row 30) goes to both roles: both append to the same chain.
    expect(first.stdout).toMatch(/serve.*audit\.key/);
    expect(first.stdout).toMatch(/work.*audit\.key/);
    expect(statSync(join(dir, "audit.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "intake.key")).mode & 0o777).toBe(0o600);
    const manifest = readFileSync(join(dir, MANIFEST_FILE), "utf8");
    const second = await intake(["keys", "init", "--dir", dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("KEYS_EXIST");
    expect(readFileSync(join(dir, MANIFEST_FILE), "utf8")).toBe(manifest);
  });

  it("defaults the directory to KEYS_DIR", async () => {
    const dir = join(root, "from-env");
    expect((await intake(["keys", "init"], { KEYS_DIR: dir })).code).toBe(0);
    expect(statSync(join(dir, MANIFEST_FILE)).isFile()).toBe(true);
  });

  it("show-public prints ids and public keys but no secret", async () => {
    const dir = join(root, "show");
    await intake(["keys", "init", "--dir", dir]);
    const shown = await intake(["keys", "show-public", "--dir", dir]);
    expect(shown.code).toBe(0);
    const m = readManifest(dir);
    expect(shown.stdout).toContain(m.keys.intake?.versions[m.keys.intake.current]?.publicKey ?? "missing");
    for (const name of ["intake", "state", "lookup", "outbound"]) {
      const file = JSON.parse(readFileSync(join(dir, `${name}.key`), "utf8")) as {
        keys: Record<string, string>;
      };
      for (const secret of Object.values(file.keys)) expect(shown.stdout).not.toContain(secret);
    }
  });

  it.each([
    [["keys", "rotate"]],
    [["keys", "rotate", "team"]],
    [["keys", "rotate", "intake", "extra"]],
    [["keys", "init", "--dir"]],
    [["keys", "init", "--force"]],
  ])("refuses bad usage %j with exit code 2", async (args) => {
    expect((await intake([...args])).code).toBe(2);
  });

  it("rotate on a missing directory names the missing file", async () => {
    const r = await intake(["keys", "rotate", "state", "--dir", join(root, "nowhere")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("KEY_MISSING");
    expect(r.stderr).toContain(MANIFEST_FILE);
  });

  it("rotation drill: records written under the old key ids still open; new ones use the new ids", async () => {
    const dir = join(root, "drill");
    expect((await intake(["keys", "init", "--dir", dir])).code).toBe(0);
    const serve1 = await loadRoleKeys(dir, "serve", silent);
    const oldIntake = sealIntake(serve1.intake, "i-1", "old intake");
    const oldOutbound = sealOutbound(serve1.outbound, "j-1", "old job");
    const oldState = encryptState(serve1.state, "c-1", "old state");
    const oldHash = lookupHash(serve1.lookup, "phone", "+4915799912345");

    for (const name of ["intake", "outbound", "state", "lookup"]) {
      const r = await intake(["keys", "rotate", name, "--dir", dir]);
      expect(r.code, r.stderr).toBe(0);
    }
    const serve2 = await loadRoleKeys(dir, "serve", silent);
    const work2 = await loadRoleKeys(dir, "work", silent);
    for (const ring of [serve2.intake, serve2.outbound, serve2.state, serve2.lookup])
      expect(ring.keys.size).toBe(2);
    expect(serve2.intake.current).not.toBe(serve1.intake.current);

    // old records still open
    expect(openIntake(work2.intake, "i-1", oldIntake)).toBe("old intake");
    expect(openOutbound(work2.outbound, "j-1", oldOutbound)).toBe("old job");
    expect(decryptState(serve2.state, "c-1", oldState)).toBe("old state");
    expect(lookupHashes(work2.lookup, "phone", "+4915799912345").map((h) => h.hash)).toContain(oldHash);

    // new records use the new ids and open too
    const newIntake = sealIntake(serve2.intake, "i-2", "new intake");
    const newState = encryptState(serve2.state, "c-2", "new state");
    expect(keyIdOf(oldIntake)).toBe(serve1.intake.current);
    expect(keyIdOf(newIntake)).toBe(serve2.intake.current);
    expect(keyIdOf(newState)).toBe(serve2.state.current);
    expect(openIntake(work2.intake, "i-2", newIntake)).toBe("new intake");
    expect(decryptState(serve2.state, "c-2", newState)).toBe("new state");
    expect(lookupHash(serve2.lookup, "phone", "+4915799912345")).not.toBe(oldHash);

    const shown = await intake(["keys", "show-public", "--dir", dir]);
    expect(shown.stdout.split("\n").filter((l) => l.includes(" intake "))).toHaveLength(2);
  });

  it("generate adds the audit key to a directory made before it existed; the roles refuse to start without it", async () => {
    const dir = join(root, "upgrade");
    expect((await intake(["keys", "init", "--dir", dir])).code).toBe(0);
    // A directory as `intake keys init` made it before the audit key existed.
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as {
      keys: Record<string, unknown>;
    };
    delete manifest.keys.audit;
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
    unlinkSync(join(dir, "audit.key"));
    for (const role of ["serve", "work"] as const) {
      await expect(loadRoleKeys(dir, role, silent)).rejects.toThrow(/intake keys generate audit/);
    }
    const made = await intake(["keys", "generate", "audit", "--dir", dir]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain("serve and work");
    expect(statSync(join(dir, "audit.key")).mode & 0o777).toBe(0o600);
    const serve = await loadRoleKeys(dir, "serve", silent);
    const work = await loadRoleKeys(dir, "work", silent);
    expect(serve.audit.current).toBe(work.audit.current);
    expect(serve.audit.keys.get(serve.audit.current)).toEqual(work.audit.keys.get(work.audit.current));
    const again = await intake(["keys", "generate", "audit", "--dir", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("KEYS_EXIST");
    expect((await intake(["keys", "generate", "team", "--dir", dir])).code).toBe(2);
  });
});
