/**
 * `orchestrator schema`: prints the config's JSON Schema, for editors
 * (`orchestrator schema > schema.json`, then `"$schema": "./schema.json"`).
 *
 * @module
 */

import type { CliResult } from "./result.ts";
import { CONFIG_SCHEMA } from "../config/schema.ts";
import { printStatic, STATIC_OPTIONS_HELP } from "./static_output.ts";

const HELP = `Usage: orchestrator schema

Prints the JSON Schema (draft-07) of the config file. Save it next to your
config and point "$schema" at it for editor completion:

  orchestrator schema > schema.json

${STATIC_OPTIONS_HELP}`;

/** Runs `schema`. */
export function main(argv: string[]): Promise<CliResult> {
  return printStatic(argv, HELP, () => JSON.stringify(CONFIG_SCHEMA, null, 2));
}
