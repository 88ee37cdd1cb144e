/**
 * `orchestrator resume <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `resume` command. */
export const spec = agentActionSpec(
  "resume",
);

/** Runs `orchestrator resume`. */
export const main = clientMain(spec);
