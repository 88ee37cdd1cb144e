/**
 * `orchestrator restart <agent>`.
 *
 * @module
 */

import {
  type ClientCommandSpec,
  INPUT_FLAGS,
  inputsOptions,
  runClientCommand,
} from "./client_command.ts";
import type { CliResult } from "./result.ts";
import { formatAgentAction } from "./views.ts";

/** The `restart` command. */
export const spec: ClientCommandSpec = {
  name: "restart",
  summary: "Stop then start an agent.",
  agent: "required",
  flags: [...INPUT_FLAGS],
  options: inputsOptions,
  format: formatAgentAction,
};

/** Runs `orchestrator restart`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
