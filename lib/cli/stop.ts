/**
 * `orchestrator stop <agent>`.
 *
 * @module
 */

import { agentActionSpec, clientMain } from "./client_command.ts";

/** The `stop` command. */
export const spec = agentActionSpec(
  "stop",
  "Stop an agent (stop_signal, then SIGKILL after stop_timeout); it is not restarted.",
);

/** Runs `orchestrator stop`. */
export const main = clientMain(spec);
