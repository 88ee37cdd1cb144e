/**
 * `orchestrator restart <agent>`.
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

/** The `restart` command. */
export const spec: ClientCommandSpec = {
  name: "restart",
  summary: "Stop then start an agent.",
  agent: "required",
  flags: [...INPUT_FLAGS],
  options(args) {
    const inputs = inputsFlag(args);
    return inputs === undefined ? {} : { inputs };
  },
  format: formatAgentAction,
};

/** Runs `orchestrator restart`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
