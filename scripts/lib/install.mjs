// Installs npm dependencies when node_modules is missing or older than the lockfile.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { root } from "./services.mjs";

export function ensureDependencies(say = (line) => console.log(line)) {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say("npm: installing dependencies from package-lock.json (npm ci)...");
  const started = Date.now();
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm ci failed with exit code ${r.status}`);
  say(`npm: installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Finds Chromium for the browser tests, installing Debian's package when running as root with apt-get. */
export function ensureChromium(say = (line) => console.log(line)) {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
    Boolean,
  );
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error(
      "Chromium is needed for the console tests: install Debian's `chromium` package (or set CHROMIUM_PATH).",
    );
  }
  say("chromium: installing Debian's chromium package for the browser tests...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  if (r.status !== 0 || !existsSync("/usr/bin/chromium"))
    throw new Error("Installing chromium with apt-get failed.");
  return "/usr/bin/chromium";
}
