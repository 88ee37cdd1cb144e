/**
 * Argument parsing of the commands that are not control-socket clients
 * (`run`, `validate`, `schema`, `example`): `node:util` `parseArgs`, with
 * its errors turned into usage errors (exit 2). Client commands parse their
 * own flags (lib/cli/client_command.ts) and never load `node:util`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./result.ts";

/** `parseArgs(config)` (strict unless `config` says otherwise); a bad flag or value throws `UsageError`. */
export function parseCliArgs<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config); // strict by default: unknown flags are errors
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The one positional `FILE` argument (`noun` names it in the message); else `UsageError`. */
export function oneFile(positionals: readonly string[], noun: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `Missing the ${noun}`
        : `Expected one ${noun}, got ${positionals.length}`,
    );
  }
  return positionals[0];
}
