/**
 * Commands that only print something built in (`schema`, `example`): no
 * arguments but `--help`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type CliResult, EXIT, UsageError } from "./result.ts";

/** Runs a command that takes no arguments and prints `produce()`, or `help` for `--help`. */
export async function printStatic(
  argv: string[],
  help: string,
  produce: () => string | Promise<string>,
): Promise<CliResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h", default: false } },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: help };
  return { exitCode: EXIT.ok, stdout: await produce() };
}
