import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints the closing line CI counts: `N passed, N failed` (and `, N skipped` when any were skipped).
 * A file that fails to load counts as one failure, so a broken import can never look green.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
    reason: "passed" | "failed" | "interrupted",
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let cases = 0;
      for (const test of mod.children.allTests()) {
        cases++;
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      if (cases === 0 || (mod.state() === "failed" && [...mod.children.allTests("failed")].length === 0)) {
        if (mod.state() === "failed") failed++;
      }
    }
    failed += unhandledErrors.length;
    // A run that failed outside any test (global setup, a crashed worker) still counts as a failure.
    if (reason !== "passed" && failed === 0) failed = 1;
    process.stdout.write(
      `\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`,
    );
  }
}
