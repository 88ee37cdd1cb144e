/**
 * `orchestrator shutdown`: graceful shutdown of the orchestrator.
 *
 * @module
 */

import { type ClientCommandSpec, runClientCommand } from "./client_command.ts";
import type { CliResult } from "./result.ts";

/** The `shutdown` command. */
export const spec: ClientCommandSpec = {
  name: "shutdown",
  summary: "Shut the orchestrator down gracefully (agents stopped in reverse dependency order).",
  agent: "none",
  format: (data: { message: string }) => data.message,
  notes: "The answer comes before the shutdown finishes; wait for the socket to go away " +
    "(exit code 3 from any client command) to know it is done.",
};

/** Runs `orchestrator shutdown`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
