/**
 * `orchestrator shutdown`: graceful shutdown of the orchestrator.
 *
 * @module
 */

import { type ClientCommandSpec, clientMain } from "./client_command.ts";

/** The `shutdown` command. */
export const spec: ClientCommandSpec = {
  name: "shutdown",
  agent: "none",
  format: (data: { message: string }) => data.message,
  notes: "The answer comes before the shutdown finishes; wait for the socket to go away " +
    "(exit code 3 from any client command) to know it is done.",
};

/** Runs `orchestrator shutdown`. */
export const main = clientMain(spec);
