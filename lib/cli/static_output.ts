/**
 * Commands that only print something built in (`schema`, `example`): no
 * arguments but `--help`, and `--no-color`, which every command accepts
 * (there is nothing to colour).
 *
 * @module
 */

import { type CliResult, EXIT } from "./result.ts";
import { parseCliArgs } from "./args.ts";

/** The options part of the help of such a command. */
export const STATIC_OPTIONS_HELP = `Options:
  --no-color  Accepted as by every command (nothing is coloured)
  -h, --help  Show this help`;

/** Runs a command that takes no arguments and prints `produce()`, or `help` for `--help`. */
export async function printStatic(
  argv: string[],
  help: string,
  produce: () => string | Promise<string>,
): Promise<CliResult> {
  const parsed = parseCliArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h", default: false },
      "no-color": { type: "boolean", default: false },
    },
    allowPositionals: false,
  });
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: help };
  return { exitCode: EXIT.ok, stdout: await produce() };
}
