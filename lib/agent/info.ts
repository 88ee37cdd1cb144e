/**
 * What the orchestrator tells about its agents: the plain data behind
 * `ps`, `status`, `stats`, `logs` and `call` (docs/protocol.md). The control
 * plane sends these as they are (`ps` and `status` through its answer cache,
 * lib/control/agents_answer.ts).
 *
 * @module
 */

import type { AgentKind, ContainmentMode } from "../config/types.ts";
import type { SignalName } from "../protocol/signals.ts";
import type { AgentState } from "./state.ts";
import type { StreamCounters } from "./captured_stream.ts";
import type { OutputEncoding } from "./output_encoding.ts";

/** One row of `ps`. */
export interface AgentSummary {
  name: string;
  state: AgentState;
  /** `null` when no process is alive (e.g. `completed`). */
  pid: number | null;
  kind: AgentKind;
  /** The agent's `group` in the config (the CLI's `group:NAME` target), or `null`. */
  group: string | null;
  /** Restarts within the current restart window. */
  restarts: number;
  /** Seconds since the current process started; `null` when not alive. */
  uptime_seconds: number | null;
  /**
   * CPU of the agent's processes (its process group, or its cgroup) over the
   * last sample interval, in % of one core (above 100 on several cores);
   * `null` when not alive or not sampled yet.
   */
  cpu_percent: number | null;
  /** Resident memory of the agent's processes at the last sample (bytes); `null` likewise. */
  memory_bytes: number | null;
}

/** `status <agent>`. */
export interface AgentStatus extends AgentSummary {
  agent_name: string;
  description: string;
  /** ISO timestamp of the last time the agent was seen alive and passing its probe. */
  last_heartbeat: string | null;
  /** ISO timestamp of the current (or last) process start. */
  started_at: string | null;
  /** Exit code of the last finished process, `null` if none or killed by a signal. */
  last_exit_code: number | null;
  /** Signal that ended the last process, if any. */
  last_signal: string | null;
  /** Why the agent is in its state (e.g. `dependency "db" is fatal`). */
  reason: string | null;
  autostart: boolean;
  depends_on: Record<string, string>;
  /** Set while in `backoff`: ISO timestamp of the next start. */
  next_start_at: string | null;
  /** Bytes of output (both streams) that could not be written to its `log_dir` files. */
  log_lost_bytes: number;
}

/**
 * The answer of `start` and `stop`: the agent's status, and whether it was
 * already started (or stopped), so that nothing was done.
 */
export interface AgentActionStatus extends AgentStatus {
  already: boolean;
}

/** The answer of `signal`: the agent's status and the signal sent to its process group. */
export interface AgentSignalStatus extends AgentStatus {
  signal: SignalName;
}

/** `stats`. */
export interface Stats {
  total_agents: number;
  running: number;
  completed: number;
  max_workers: number;
  uptime_seconds: number;
  /** Count per state. */
  states: Partial<Record<AgentState, number>>;
  pid: number;
  started_at: string;
  /** Containment mode in force (docs/operations.md, "Containment"). */
  containment: Exclude<ContainmentMode, "auto">;
  /** Sum of the agents' `cpu_percent` at the last sample; `null` when sampling is off. */
  cpu_percent: number | null;
  /** Sum of the agents' `memory_bytes` at the last sample; `null` when sampling is off. */
  memory_bytes: number | null;
  /** Agent lines written to the orchestrator's stdout (`forward_output`). */
  forwarded_lines: number;
  /** Agent lines dropped because stdout did not keep up (or failed). */
  forward_dropped_lines: number;
}

/**
 * UTCP result of a task run (docs/protocol.md, `call`): the run's exact
 * output bytes, the newest `output_buffer_bytes` of each stream.
 */
export interface UtcpResult {
  /** The run's stdout: UTF-8 text, or base64 when `stdout_encoding` says so. */
  stdout: string;
  /** The run's stderr: UTF-8 text, or base64 when `stderr_encoding` says so. */
  stderr: string;
  /** `null` when the process was killed by a signal (e.g. on timeout). */
  return_code: number | null;
  /** Seconds. */
  execution_time: number;
  timed_out: boolean;
  /** True when the oldest bytes of stdout or stderr were dropped (past the bound). */
  truncated: boolean;
  /** `"utf-8"`, or `"base64"` when the bytes are not valid UTF-8. */
  stdout_encoding: OutputEncoding;
  /** `"utf-8"`, or `"base64"` when the bytes are not valid UTF-8. */
  stderr_encoding: OutputEncoding;
}

/** `logs <agent>`: the newest captured lines of each stream. */
export interface AgentLogs {
  agent_name: string;
  stdout: string[];
  stderr: string[];
  /** True when older output was dropped from the bounded buffer. */
  truncated: boolean;
  /** Per stream: bytes read, bytes no longer kept, lines past the line bound. */
  counters: { stdout: StreamCounters; stderr: StreamCounters };
  /** Per stream: bytes that could not be written to the `log_dir` file (0 without `log_dir`). */
  lost_bytes: { stdout: number; stderr: number };
}

/**
 * `reload`: the difference between the config the orchestrator ran and the
 * new one, as applied (or, with `dry_run`, as it would be). Agent names come
 * in the new config's order (`removed`: the old one's); docs/operations.md,
 * "Changing the config", says what each list means.
 */
export interface ReloadReport {
  /** The file read, or `null` when the config was given as an object (library API). */
  file: string | null;
  /** True when nothing was changed (`dry_run`): the lists say what a reload would do. */
  dry_run: boolean;
  /** Agents new in the config (started when `autostart`). */
  added: string[];
  /** Agents no longer in the config (stopped and forgotten). */
  removed: string[];
  /** Agents with a change that needs a new process (`restarted` when they have one). */
  changed: string[];
  /** The `changed` agents whose process was stopped and started again. */
  restarted: string[];
  /** Agents whose changes need no new process: applied to the record, same pid. */
  updated_in_place: string[];
  /** Agents with no change. */
  unchanged: number;
  /** Per changed or updated agent, the fields that differ (`tool_call_template.args`). */
  fields: Record<string, string[]>;
  /** Orchestrator options that differ and were applied while running. */
  options_applied: string[];
  /** Orchestrator options that differ but apply only after a restart of `run` (not applied). */
  needs_restart: string[];
}
