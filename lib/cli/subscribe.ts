/**
 * `orchestrator subscribe`: the raw subscription stream (docs/protocol.md,
 * "subscribe"), one JSON frame per line, for scripts (`| jq`). The loop is
 * in lib/cli/follow.ts, loaded only when it runs.
 *
 * @module
 */

import { type ClientCommandSpec, helpText, parseInvocation } from "./client_command.ts";
import { type ParsedArgs, stringFlag } from "./flags.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";

/** The list of a repeatable flag (empty when not given). */
function many(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** Builds the `subscribe` options from the flags. */
export function subscribeRequestOptions(args: ParsedArgs): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const categories = many(args, "category");
  if (args.flags["no-events"] === true) {
    if (categories.length > 0 || many(args, "event").length > 0) {
      throw new UsageError('Flag "--no-events" cannot be used with --category or --event');
    }
    options.categories = [];
  } else if (categories.length > 0) options.categories = categories;
  const agents = many(args, "agent");
  if (agents.length > 0) options.agents = agents;
  const events = many(args, "event");
  if (events.length > 0) options.events = events;
  const logs = many(args, "logs");
  if (logs.length > 0) options.logs = logs.includes("all") ? true : logs;
  const since = stringFlag(args, "since");
  if (since !== undefined) {
    if (!/^[0-9]{1,15}$/.test(since)) {
      throw new UsageError(`Flag "--since" must be an event id (an integer ≥ 0), got "${since}"`);
    }
    options.since = Number(since);
  }
  if (args.flags.snapshot === true) options.snapshot = true;
  const heartbeat = stringFlag(args, "heartbeat");
  if (heartbeat !== undefined) {
    const n = Number(heartbeat);
    if (heartbeat.trim() === "" || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(
        `Flag "--heartbeat" must be a positive number of seconds, got "${heartbeat}"`,
      );
    }
    options.heartbeat = n;
  }
  return options;
}

/** The `subscribe` command. */
export const spec: ClientCommandSpec = {
  name: "subscribe",
  agent: "none",
  flags: [
    {
      name: "category",
      type: "string",
      value: "C",
      multiple: true,
      help: "Events of this category (repeatable)",
    },
    {
      name: "agent",
      type: "string",
      value: "NAME",
      multiple: true,
      help: "Events of this agent (repeatable)",
    },
    {
      name: "event",
      type: "string",
      value: "NAME",
      multiple: true,
      help: "This event, e.g. AGENT_FAILED (repeatable)",
    },
    { name: "no-events", type: "boolean", help: "No events (e.g. only --logs)" },
    {
      name: "logs",
      type: "string",
      value: "AGENT",
      multiple: true,
      help: "Output lines of this agent (repeatable; all = every agent)",
    },
    {
      name: "since",
      type: "string",
      value: "ID",
      help: "First the stored events after this event id",
    },
    { name: "snapshot", type: "boolean", help: "First one frame per agent with its status" },
    {
      name: "heartbeat",
      type: "string",
      value: "S",
      help: "Seconds between heartbeat frames (default 5)",
    },
  ],
  options: subscribeRequestOptions,
  format: () => "",
  notes: "Prints the answer, then every frame the orchestrator pushes, one JSON object per line, " +
    "until Ctrl-C (exit 0). Exit 3 when the orchestrator closes the connection (after an " +
    '"overflow" frame, or at its shutdown). history -f and logs -f follow with reconnects.',
};

/** Runs `orchestrator subscribe`. */
export async function main(argv: string[]): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  const options = subscribeRequestOptions(inv.args);
  const follow: typeof import("./follow.ts") = await import(
    new URL("./follow.ts", import.meta.url).href
  );
  const io = follow.terminalIo();
  try {
    return await follow.subscribeRaw(inv, options, io);
  } finally {
    io.dispose();
  }
}
