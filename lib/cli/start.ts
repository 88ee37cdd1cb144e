/**
 * `orchestrator start <agent>`.
 *
 * @module
 */

import {
  type ClientCommandSpec,
  INPUT_FLAGS,
  inputsFlag,
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
  options(args) {
    const inputs = inputsFlag(args);
    return inputs === undefined ? {} : { inputs };
  },
  format: formatAgentAction,
};

/** Runs `orchestrator start`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
