/**
 * `orchestrator example`: prints the example config that documents every
 * option (embedded in the compiled binary by `deno task compile`).
 *
 * @module
 */

import type { CliResult } from "./result.ts";
import { printStatic, STATIC_OPTIONS_HELP } from "./static_output.ts";

/** Where the example config lives, next to `cli.ts` (and inside the compiled binary). */
export const EXAMPLE_CONFIG_URL = new URL("../../config.example.jsonc", import.meta.url);

const HELP = `Usage: orchestrator example

Prints config.example.jsonc: a runnable config in which every option is
commented. Start a new deployment from it:

  orchestrator example > config.jsonc
  orchestrator validate config.jsonc

${STATIC_OPTIONS_HELP}`;

/** Runs `example`. */
export function main(argv: string[]): Promise<CliResult> {
  return printStatic(argv, HELP, () => Deno.readTextFile(EXAMPLE_CONFIG_URL));
}
