/** What a CLI command gets: its own arguments, the environment, and where to print. */
export interface CommandIo {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Standard input as text, read only by commands that take a secret on stdin. */
  readonly readStdin: () => Promise<string>;
}

/** One `intake` subcommand. `path` is its words, e.g. ["keys", "init"]. Returns the exit code. */
export interface Command {
  readonly path: readonly string[];
  readonly summary: string;
  readonly usage?: string;
  run(io: CommandIo): Promise<number>;
}
