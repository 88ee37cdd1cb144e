/**
 * `orchestrator call <agent>`: run a task agent and print its UTCP result.
 *
 * @module
 */

import { agentActionSpec, type ClientCommandSpec, clientMain } from "./client_command.ts";
import type { UtcpResult } from "../agent/info.ts";
import { EXIT } from "./result.ts";
import { formatCall } from "./views.ts";

/** The `call` command. */
export const spec: ClientCommandSpec = {
  ...agentActionSpec(
    "call",
    { inputs: true },
  ),
  agent: "required",
  format(data: UtcpResult) {
    const out = formatCall(data);
    const failed = data.timed_out || data.return_code !== 0;
    return { ...out, exitCode: failed ? EXIT.error : EXIT.ok };
  },
  notes: "Prints the task's stdout; its stderr and a summary go to stderr. Exits 1 when the " +
    "task exits non-zero or times out. --json prints {stdout, stderr, return_code, " +
    "execution_time, timed_out}.",
};

/** Runs `orchestrator call`. */
export const main = clientMain(spec);
