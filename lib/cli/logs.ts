/**
 * `orchestrator logs <agent>`: an agent's captured output. Control
 * characters the agent printed are shown escaped unless `--raw`; `--json`
 * prints the answer exactly. `-f [AGENT…]` follows the output of one,
 * several or every agent (lib/cli/follow.ts, loaded only then).
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
import { COMMON_FLAGS, parseFlags } from "./flags.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { formatLogs } from "./views.ts";

/** The `logs` command. */
export const spec: ClientCommandSpec = {
  name: "logs",
  agent: "required",
  flags: [{
    name: "lines",
    type: "string",
    value: "N",
    help: "Lines per stream (default: all kept); with -f, the backlog shown first (default none)",
  }, {
    name: "raw",
    type: "boolean",
    help: "Print control characters (escape sequences) as the agent wrote them",
  }, {
    name: "follow",
    short: "f",
    type: "boolean",
    help: "Follow the output of the agents named (none: every agent) until Ctrl-C",
  }, {
    name: "no-prefix",
    type: "boolean",
    help: "With -f: print the lines alone, without time, agent and stream",
  }],
  options(args) {
    const lines = intFlag(args, "lines");
    return lines === undefined ? {} : { lines };
  },
  format: formatLogs,
  notes: "Control characters in the output are shown escaped (\\x1b, \\u009b) unless --raw.\n" +
    "logs -f [agent...] prints 'TIME AGENT STREAM | line' per line, in the order read, and " +
    "reconnects after a lost connection (lines then resume live); --json prints each line as " +
    "JSON.",
};

/** `spec` printing control characters as they are. */
const rawSpec: ClientCommandSpec = {
  ...spec,
  format: (data: never, options) => formatLogs(data, { ...options, raw: true }),
};

/** Runs `orchestrator logs`. */
export async function main(argv: string[]): Promise<CliResult> {
  const following = parseFlags(argv, [...spec.flags!, ...COMMON_FLAGS]).flags.follow === true;
  const inv = await parseInvocation(following ? { ...spec, agent: "any" } : spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  const options = spec.options?.(inv.args) ?? {};
  const raw = inv.args.flags.raw === true;
  if (following) {
    const follow: typeof import("./follow.ts") = await import(
      new URL("./follow.ts", import.meta.url).href
    );
    const io = follow.terminalIo();
    try {
      return await follow.followLogs(inv, {
        agents: inv.targets,
        lines: options.lines as number | undefined,
        prefix: inv.args.flags["no-prefix"] !== true,
        raw,
      }, io);
    } finally {
      io.dispose();
    }
  }
  if (inv.args.flags["no-prefix"] === true) {
    throw new UsageError('Flag "--no-prefix" needs --follow');
  }
  try {
    const response = await send(inv, { command: spec.name, options });
    return renderResponse(raw ? rawSpec : spec, response, {
      json: inv.json,
      format: inv.format,
    });
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
