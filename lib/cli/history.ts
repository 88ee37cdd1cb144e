/**
 * `orchestrator history`: query the event history; with `-f`, follow it
 * (lib/cli/follow.ts, loaded only then).
 *
 * @module
 */

import {
  type ClientCommandSpec,
  helpText,
  parseInvocation,
  renderResponse,
  send,
  unavailable,
} from "./client_command.ts";
import { ClientError } from "../control/client.ts";
import { intFlag, type ParsedArgs, stringFlag } from "./flags.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { formatHistory } from "./views.ts";

/** Builds the `history` options from the flags. */
export function historyOptions(args: ParsedArgs): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const limit = intFlag(args, "limit");
  if (limit !== undefined) options.limit = limit;
  for (const key of ["category", "agent", "event", "since", "until"]) {
    const value = stringFlag(args, key);
    if (value !== undefined) options[key] = value;
  }
  return options;
}

/** The `history` command. */
export const spec: ClientCommandSpec = {
  name: "history",
  agent: "none",
  flags: [
    { name: "limit", type: "string", value: "N", help: "Most events to show (default 100)" },
    { name: "category", type: "string", value: "C", help: "agent, command or system" },
    { name: "agent", type: "string", value: "NAME", help: "Only events of this agent" },
    { name: "event", type: "string", value: "NAME", help: "Only this event, e.g. AGENT_FAILED" },
    { name: "since", type: "string", value: "TIME", help: "ISO timestamp, inclusive" },
    { name: "until", type: "string", value: "TIME", help: "ISO timestamp, exclusive" },
    {
      name: "follow",
      short: "f",
      type: "boolean",
      help: "Show the newest --limit events (default 10), oldest first, then each new one",
    },
  ],
  options: historyOptions,
  format: formatHistory,
  notes: "With -f: one line per event, until Ctrl-C (exit 0); after a lost connection it " +
    "reconnects and resumes after the last event shown. --json prints one event per line.",
};

/** Runs `orchestrator history`. */
export async function main(argv: string[]): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  const options = historyOptions(inv.args);
  if (inv.args.flags.follow === true) {
    if (options.until !== undefined) {
      throw new UsageError('Flag "--until" cannot be used with --follow');
    }
    const follow: typeof import("./follow.ts") = await import(
      new URL("./follow.ts", import.meta.url).href
    );
    const io = follow.terminalIo();
    try {
      return await follow.followHistory(inv, options, io);
    } finally {
      io.dispose();
    }
  }
  try {
    return renderResponse(spec, await send(inv, { command: spec.name, options }), inv);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
