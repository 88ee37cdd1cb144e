/**
 * Commands that only print something built in (`schema`, `example`): no
 * arguments but `--help`.
 *
 * @module
 */

import { type CliResult, EXIT } from "./result.ts";
import { parseCliArgs } from "./args.ts";

/** Runs a command that takes no arguments and prints `produce()`, or `help` for `--help`. */
export async function printStatic(
  argv: string[],
  help: string,
  produce: () => string | Promise<string>,
): Promise<CliResult> {
  const parsed = parseCliArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h", default: false } },
    allowPositionals: false,
  });
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: help };
  return { exitCode: EXIT.ok, stdout: await produce() };
}
