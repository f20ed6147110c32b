import { writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { cryptoSection } from "./crypto.js";
import { enumerationSection } from "./enumeration.js";
import { ingressSection } from "./ingress.js";
import type { BenchResult, Section, SectionContext } from "./lib.js";
import { loginFloodSection } from "./login-flood.js";
import { pacingSection } from "./pacing.js";
import { screeningSection } from "./screening.js";
import { cleanup } from "./support.js";
import { webhooksSection } from "./webhooks.js";

/** Every bench section, in run order. Later issues add theirs here. */
const sections: readonly Section[] = [
  cryptoSection,
  enumerationSection,
  ingressSection,
  webhooksSection,
  loginFloodSection,
  screeningSection,
  pacingSection,
];

const resultsFile = fileURLToPath(new URL("./results.json", import.meta.url));

/** One updating status line on a TTY, plain lines otherwise (CI logs). */
function progressLine(section: string): SectionContext["progress"] {
  let last = "";
  return (step, done, total) => {
    const line = `[${section}] ${step} ${done + 1}/${total}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
    else if (step !== last) process.stderr.write(`[${section}] ${step}\n`);
    last = step;
  };
}

function format(r: BenchResult): string[] {
  const value =
    r.unit === "ms" || r.unit === "count"
      ? r.value.toFixed(1)
      : r.unit === "ratio"
        ? r.value.toFixed(3)
        : Math.round(r.value).toLocaleString("en");
  return [r.section, r.name, value, r.unit, `±${(r.spread * 100).toFixed(1)}%`, r.note ?? ""];
}

function printTable(results: readonly BenchResult[]): void {
  const rows = [["section", "measure", "median", "unit", "spread", "note"], ...results.map(format)];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const row of rows) {
    console.log(
      row
        .map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join("  "),
    );
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const quick = process.argv.includes("--quick");
  const chosen = only.length > 0 ? sections.filter((s) => only.includes(s.name)) : sections;
  if (chosen.length === 0) {
    console.error(`unknown section; choose from: ${sections.map((s) => s.name).join(", ")}`);
    process.exitCode = 2;
    return;
  }
  const results: BenchResult[] = [];
  for (const section of chosen) {
    const ctx: SectionContext = {
      progress: progressLine(section.name),
      rounds: quick ? 3 : 7,
      minTimeMs: quick ? 100 : 300,
    };
    try {
      results.push(...(await section.run(ctx)));
    } finally {
      await cleanup();
    }
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
  }
  printTable(results);
  const cpu = cpus()[0]?.model ?? "unknown";
  writeFileSync(
    resultsFile,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        platform: process.platform,
        cpu,
        cores: availableParallelism(),
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${resultsFile}`);
}

try {
  await main();
} finally {
  await cleanup();
}
// Clients of the sections may keep timers; the results are written, so leave now.
process.exit(process.exitCode ?? 0);
