/**
 * `orchestrator start <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `start` command. */
export const spec = agentActionSpec(
  "start",
  { inputs: true },
);

/** Runs `orchestrator start`. */
export const main = clientMain(spec);
