import type { KeyBundle } from "./keys.js";

/** The signed-in staff member as the API describes them. */
export interface Me {
  staff: { id: string; username: string; displayName: string; admin: boolean };
  csrf: string;
  keys: KeyBundle;
}

let current: Me | undefined;

/** The signed-in member, or undefined. */
export function me(): Me | undefined {
  return current;
}

export function setMe(value: Me | undefined): void {
  current = value;
}
