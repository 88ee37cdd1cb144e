/**
 * `orchestrator pause <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `pause` command. */
export const spec = agentActionSpec(
  "pause",
);

/** Runs `orchestrator pause`. */
export const main = clientMain(spec);
