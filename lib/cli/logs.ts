/**
 * `orchestrator logs <agent>`: an agent's captured output. Control
 * characters the agent printed are shown escaped unless `--raw`; `--json`
 * prints the answer exactly.
 *
 * @module
 */

import {
  type ClientCommandSpec,
  helpText,
  intFlag,
  parseInvocation,
  renderResponse,
  send,
  unavailable,
} from "./client_command.ts";
import { ClientError } from "../control/client.ts";
import { type CliResult, EXIT } from "./result.ts";
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
  }, {
    name: "raw",
    type: "boolean",
    help: "Print control characters (escape sequences) as the agent wrote them",
  }],
  options(args) {
    const lines = intFlag(args, "lines");
    return lines === undefined ? {} : { lines };
  },
  format: formatLogs,
  notes: "Control characters in the output are shown escaped (\\x1b, \\u009b) unless --raw.",
};

/** `spec` printing control characters as they are. */
const rawSpec: ClientCommandSpec = {
  ...spec,
  format: (data: never, options) => formatLogs(data, { ...options, raw: true }),
};

/** Runs `orchestrator logs`. */
export async function main(argv: string[]): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  const options = spec.options?.(inv.args) ?? {};
  try {
    const response = await send(inv, { command: spec.name, options });
    return renderResponse(inv.args.flags.raw === true ? rawSpec : spec, response, {
      json: inv.json,
      format: inv.format,
    });
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
