/**
 * `orchestrator report`: statistics, every agent's status, problems and
 * recent failures in one answer.
 *
 * @module
 */

import { type ClientCommandSpec, clientMain } from "./client_command.ts";
import { formatReport } from "./views.ts";

/** The `report` command. */
export const spec: ClientCommandSpec = {
  name: "report",
  agent: "none",
  format: formatReport,
};

/** Runs `orchestrator report`. */
export const main = clientMain(spec);
