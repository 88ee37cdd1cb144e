/**
 * What a CLI command returns, and the exit codes (docs/protocol.md). Only `cli.ts`
 * writes to the terminal and exits.
 *
 * @module
 */

/** Exit codes of every client command (docs/protocol.md, "The `orchestrator` client"). */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The orchestrator answered with an error (or `validate` found errors). */
  error: 1,
  /** Usage error (or `validate`: the file cannot be read or parsed). */
  usage: 2,
  /** Cannot connect, or timed out. */
  unavailable: 3,
} as const;

/** The outcome of one CLI command. */
export interface CliResult {
  exitCode: number;
  /** Printed to stdout as is (a trailing newline is added when missing). */
  stdout?: string;
  /** Printed to stderr as is (a trailing newline is added when missing). */
  stderr?: string;
  /** Bytes written to stdout exactly as they are, before `stdout` (`call`: the task's output). */
  rawStdout?: Uint8Array;
  /** Bytes written to stderr exactly as they are, before `stderr`. */
  rawStderr?: Uint8Array;
}

/** A command module: `lib/cli/<command>.ts`. */
export interface CliCommand {
  /** Runs the command with the arguments after its name. */
  main(argv: string[]): Promise<CliResult>;
}

/** Thrown for bad flags or arguments; `cli.ts` prints it with the usage hint and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
