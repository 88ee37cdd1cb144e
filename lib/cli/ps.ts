/**
 * `orchestrator ps`: list agents with state and pid.
 *
 * @module
 */

import { type ClientCommandSpec, runClientCommand } from "./client_command.ts";
import type { CliResult } from "./result.ts";
import { formatPs } from "./views.ts";

/** The `ps` command. */
export const spec: ClientCommandSpec = {
  name: "ps",
  summary: "List agents with their state, pid, kind, restarts and uptime.",
  agent: "none",
  format: formatPs,
};

/** Runs `orchestrator ps`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
