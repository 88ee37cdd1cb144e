/**
 * What each command of the `orchestrator` executable does, in one line: the
 * list `orchestrator --help` prints, and the line under the usage of each
 * client command's `--help`. Written here once; imported by `cli.ts`, which
 * loads no command module to list them.
 *
 * @module
 */

import type { CommandName } from "../protocol/commands.ts";

/** A command of the executable: a control command, or one that needs no orchestrator. */
export type CliCommandName =
  | CommandName
  | "run"
  | "validate"
  | "schema"
  | "example"
  | "completion"
  | "top";

/** Every command's one-line summary, in the order `orchestrator --help` lists them. */
export const COMMAND_SUMMARIES: Readonly<Record<CliCommandName, string>> = {
  run: "Run the agents of a config (foreground)",
  validate: "Check a config and report every problem",
  schema: "Print the config's JSON Schema",
  example: "Print the example config (every option commented)",
  ps: "List agents with their state, pid, kind, restarts and uptime",
  status: "Show the status of one agent or of every agent; --wait until up",
  stats: "Show orchestrator statistics: agents, states, workers, uptime",
  history: "Query the event history, newest first",
  report: "Summary report: statistics, agents, problems and recent failures",
  subscribe: "Print the frames of a subscription (events, logs, snapshot) as JSON lines",
  start: "Start agents that are stopped, completed, failed or fatal (others: already running)",
  stop: "Stop agents (stop_signal, then SIGKILL); they are not restarted",
  restart: "Stop then start agents",
  pause: "Pause agents (SIGSTOP to their process groups)",
  resume: "Resume paused agents (SIGCONT to their process groups)",
  signal: "Send a signal (HUP, SIGUSR1, 10 …) to agents' process groups",
  logs: "Show the newest captured stdout and stderr lines of an agent",
  call: "Run a task agent with call-time inputs and print its UTCP result",
  reload: "Re-read the config file of 'run' and apply the difference; --dry-run shows it",
  shutdown: "Shut the orchestrator down gracefully (reverse dependency order); --wait",
  top: "Live view of the agents (state, CPU, memory, events, logs) in the terminal",
  completion: "Print a shell completion script: bash, zsh or fish",
};
