import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the project checkout (two levels above this file, in source and in `dist/` alike). */
export const projectRoot: string = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/config -> project root; dist/src/config -> dist -> project root
  const up = resolve(here, "..", "..");
  return up.endsWith(`${"/"}dist`) ? resolve(up, "..") : up;
})();
