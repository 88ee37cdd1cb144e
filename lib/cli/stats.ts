/**
 * `orchestrator stats`: orchestrator statistics.
 *
 * @module
 */

import { type ClientCommandSpec, clientMain } from "./client_command.ts";
import { formatStats } from "./views.ts";

/** The `stats` command. */
export const spec: ClientCommandSpec = {
  name: "stats",
  agent: "none",
  format: formatStats,
  notes: 'The form "orchestrator stats /path/to.sock" works: a path argument is the socket.',
};

/** Runs `orchestrator stats`. */
export const main = clientMain(spec);
