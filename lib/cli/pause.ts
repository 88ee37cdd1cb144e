/**
 * `orchestrator pause <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `pause` command. */
export const spec = agentActionSpec(
  "pause",
  "Pause an agent (SIGSTOP to its process group).",
);

/** Runs `orchestrator pause`. */
export const main = clientMain(spec);
