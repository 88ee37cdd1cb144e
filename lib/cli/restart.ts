/**
 * `orchestrator restart <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `restart` command. */
export const spec = agentActionSpec(
  "restart",
  { inputs: true },
);

/** Runs `orchestrator restart`. */
export const main = clientMain(spec);
