/**
 * `orchestrator stats`: orchestrator statistics.
 *
 * @module
 */

import { type ClientCommandSpec, runClientCommand } from "./client_command.ts";
import type { CliResult } from "./result.ts";
import { formatStats } from "./views.ts";

/** The `stats` command. */
export const spec: ClientCommandSpec = {
  name: "stats",
  summary: "Show orchestrator statistics: agents, states, workers, uptime.",
  agent: "none",
  format: formatStats,
  notes:
    'The seed\'s form "orchestrator stats /path/to.sock" works: a path argument is the socket.',
};

/** Runs `orchestrator stats`. */
export function main(argv: string[]): Promise<CliResult> {
  return runClientCommand(spec, argv);
}
