/**
 * `orchestrator ps`: list agents with state and pid.
 *
 * @module
 */

import { type ClientCommandSpec, clientMain } from "./client_command.ts";
import { formatPs } from "./views.ts";

/** The `ps` command. */
export const spec: ClientCommandSpec = {
  name: "ps",
  agent: "none",
  format: formatPs,
};

/** Runs `orchestrator ps`. */
export const main = clientMain(spec);
