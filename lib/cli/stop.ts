/**
 * `orchestrator stop <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `stop` command. */
export const spec = agentActionSpec(
  "stop",
);

/** Runs `orchestrator stop`. */
export const main = clientMain(spec);
