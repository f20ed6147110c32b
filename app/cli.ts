import { commands } from "./commands/index.js";
import type { Command, CommandIo } from "./commands/types.js";

/** Finds the longest command whose words prefix argv. */
export function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((word, i) => argv[i] === word) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  return [
    "usage: intake <command> [options]",
    "",
    ...commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Configuration comes from environment variables; see .env.example.",
  ].join("\n");
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: readonly string[], io: Omit<CommandIo, "args">): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.stdout(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr(`intake: unknown command '${argv.slice(0, 2).join(" ")}'\n\n${usage()}`);
    return 2;
  }
  if (found.rest.includes("--help")) {
    io.stdout(found.command.usage ?? `intake ${found.command.path.join(" ")}: ${found.command.summary}`);
    return 0;
  }
  return found.command.run({ ...io, args: found.rest });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Entry point used by bin/intake.mjs: runs with the real process's argv, environment and streams. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    readStdin,
  });
}
