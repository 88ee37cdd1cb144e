/**
 * `orchestrator logs <agent>`: an agent's captured output.
 *
 * @module
 */

import { type ClientCommandSpec, clientMain, intFlag } from "./client_command.ts";
import { formatLogs } from "./views.ts";

/** The `logs` command. */
export const spec: ClientCommandSpec = {
  name: "logs",
  agent: "required",
  flags: [{
    name: "lines",
    type: "string",
    value: "N",
    help: "Lines per stream (default: all kept)",
  }],
  options(args) {
    const lines = intFlag(args, "lines");
    return lines === undefined ? {} : { lines };
  },
  format: formatLogs,
};

/** Runs `orchestrator logs`. */
export const main = clientMain(spec);
