/**
 * `orchestrator pause <agent>`.
 *
 * @module
 */

import { type ClientCommandSpec, runClientCommand } from "./client_command.ts";
import type { CliResult } from "./result.ts";
import { formatAgentAction } from "./views.ts";

/** The `pause` command. */
export const spec: ClientCommandSpec = {
  name: "pause",
  summary: "Pause an agent (SIGSTOP to its process group).",
  agent: "required",
  format: formatAgentAction,
};

/** Runs `orchestrator pause`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
