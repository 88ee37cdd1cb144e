/**
 * `orchestrator top`: a live view of the agents in the terminal — state,
 * pid, CPU, memory, restarts, uptime, last event — driven by the control
 * socket's subscription (lib/cli/top/). Needs a terminal on stdin and
 * stdout: exits 2 with a message otherwise.
 *
 * @module
 */

import { COMMON_FLAGS, parseFlags } from "./flags.ts";
import { resolveSocket, splitPositionals } from "./socket_target.ts";
import { colorEnabled } from "./format.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { COMMAND_SUMMARIES } from "./summaries.ts";
import { DEFAULT_SOCKET_PATH } from "../protocol/socket.ts";
import { runTop } from "./top/app.ts";
import { HELP_LINE } from "./top/view.ts";

/** The flags of `top`: the socket, the config to take it from, colour, help. */
const FLAGS = COMMON_FLAGS.filter((f) => f.name !== "json" && f.name !== "timeout");

const HELP = [
  "Usage: orchestrator top [options]",
  "",
  COMMAND_SUMMARIES.top,
  "",
  "Options:",
  ...FLAGS.map((f) => {
    const left = `--${f.name}${f.value === undefined ? "" : ` ${f.value}`}`;
    return `  ${left.padEnd(16)}  ${f.help}`;
  }),
  "",
  "Keys:",
  `  ${HELP_LINE}`,
  "  c/m/n/s sort by CPU, memory, name, state (o: config order; again: reverse);",
  "  / filters by name or state (Enter keeps it, Esc clears it); l or Enter opens the",
  "  log pane of the selected agent (l or Esc closes it); S, x, r ask y/n first and",
  "  are sent as the start, stop and restart commands.",
  "",
  "Socket: --socket, else $ORCHESTRATOR_SOCKET_PATH, else the config's command_socket_path " +
  `(--config), else ${DEFAULT_SOCKET_PATH}.`,
  "Needs a terminal: exits 2 when stdin or stdout is not one (use 'ps --json' in scripts).",
].join("\n");

/** Runs `orchestrator top`. */
export async function main(argv: string[]): Promise<CliResult> {
  const args = parseFlags(argv, FLAGS);
  if (args.flags.help === true) return { exitCode: EXIT.ok, stdout: HELP };
  const { socket, rest } = splitPositionals(args.positionals);
  if (rest.length > 0) throw new UsageError(`Command "top" takes no arguments, got "${rest[0]}"`);
  const target = await resolveSocket(args, socket);
  for (const [name, stream] of [["stdout", Deno.stdout], ["stdin", Deno.stdin]] as const) {
    if (!stream.isTerminal()) {
      return {
        exitCode: EXIT.usage,
        stderr: `Cannot run top: ${name} is not a terminal ` +
          "(use 'orchestrator ps' or 'orchestrator ps --json' in scripts)",
      };
    }
  }
  const color = colorEnabled(Deno.stdout, { noColor: args.flags["no-color"] === true });
  try {
    return { exitCode: await runTop(target.path, { color }) };
  } catch (error) {
    return { exitCode: EXIT.error, stderr: `top stopped: ${(error as Error).message}` };
  }
}
