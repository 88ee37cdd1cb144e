/**
 * `orchestrator schema`: prints the config's JSON Schema, for editors
 * (`orchestrator schema > schema.json`, then `"$schema": "./schema.json"`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { CONFIG_SCHEMA } from "../config/schema.ts";

const HELP = `Usage: orchestrator schema

Prints the JSON Schema (draft-07) of the config file. Save it next to your
config and point "$schema" at it for editor completion:

  orchestrator schema > schema.json`;

/** Runs `schema`. */
export function main(argv: string[]): Promise<CliResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h", default: false } },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    return Promise.reject(new UsageError(error instanceof Error ? error.message : String(error)));
  }
  if (parsed.values.help) return Promise.resolve({ exitCode: EXIT.ok, stdout: HELP });
  return Promise.resolve({ exitCode: EXIT.ok, stdout: JSON.stringify(CONFIG_SCHEMA, null, 2) });
}
