import { createLogger, type Log } from "../../../src/log/index.js";

/** A real logger whose JSON lines are kept in memory, for asserting on events and canaries. */
export function captureLog(level = "info"): {
  log: Log;
  lines: string[];
  events: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const log = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, events };
}
