/** One problem with one variable; `message` says what is expected and never repeats a secret value. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown by `loadConfig` with every problem found, so an operator can fix them all at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "CONFIG_INVALID";
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join("\n"),
    );
    this.problems = problems;
  }
}
