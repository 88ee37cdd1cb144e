/**
 * `orchestrator resume <agent>`.
 *
 * @module
 */

import { type ClientCommandSpec, runClientCommand } from "./client_command.ts";
import type { CliResult } from "./result.ts";
import { formatAgentAction } from "./views.ts";

/** The `resume` command. */
export const spec: ClientCommandSpec = {
  name: "resume",
  summary: "Resume a paused agent (SIGCONT to its process group).",
  agent: "required",
  format: formatAgentAction,
};

/** Runs `orchestrator resume`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
