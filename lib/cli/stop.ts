/**
 * `orchestrator stop <agent>`.
 *
 * @module
 */

import { type ClientCommandSpec, runClientCommand } from "./client_command.ts";
import type { CliResult } from "./result.ts";
import { formatAgentAction } from "./views.ts";

/** The `stop` command. */
export const spec: ClientCommandSpec = {
  name: "stop",
  summary: "Stop an agent (stop_signal, then SIGKILL after stop_timeout); it is not restarted.",
  agent: "required",
  format: formatAgentAction,
};

/** Runs `orchestrator stop`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
