/**
 * `orchestrator start <agent>`.
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

/** The `start` command. */
export const spec: ClientCommandSpec = {
  name: "start",
  summary: "Start a stopped, completed, failed or fatal agent.",
  agent: "required",
  flags: [...INPUT_FLAGS],
  options: inputsOptions,
  format: formatAgentAction,
};

/** Runs `orchestrator start`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
