/**
 * `orchestrator history`: query the event history.
 *
 * @module
 */

import { type ClientCommandSpec, clientMain } from "./client_command.ts";
import { intFlag, type ParsedArgs, stringFlag } from "./flags.ts";
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
  ],
  options: historyOptions,
  format: formatHistory,
};

/** Runs `orchestrator history`. */
export const main = clientMain(spec);
