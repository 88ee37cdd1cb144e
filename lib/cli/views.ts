/**
 * Human output of each client command: pure `(data, options) → text`
 * functions over the response shapes of docs/protocol.md.
 *
 * @module
 */

import type { AgentLogs, AgentStatus, AgentSummary, Stats, UtcpResult } from "../agent/info.ts";
import type { OrchestratorEvent } from "../events/event.ts";
import type { SocketInfo } from "../control/transport.ts";
import {
  bytes,
  cell,
  duration,
  type FormatOptions,
  keyValuePairs,
  keyValues,
  paint,
  percent,
  stateColor,
  table,
} from "./format.ts";
import { escapeControls } from "./escape.ts";

function state(s: string, o: FormatOptions): string {
  return paint(s, stateColor(s), o.color);
}

/** `ps`: NAME STATE PID KIND RESTARTS UPTIME CPU% MEM, and GROUP when an agent has one. */
export function formatPs(data: { agents: AgentSummary[] }, o: FormatOptions): string {
  if (data.agents.length === 0) return "No agents";
  const groups = data.agents.some((a) => typeof a.group === "string");
  return table(
    [
      "NAME",
      "STATE",
      "PID",
      "KIND",
      "RESTARTS",
      "UPTIME",
      "CPU%",
      "MEM",
      ...(groups ? ["GROUP"] : []),
    ],
    data.agents.map((a) => [
      a.name,
      state(a.state, o),
      cell(a.pid),
      cell(a.kind),
      cell(a.restarts),
      duration(a.uptime_seconds),
      percent(a.cpu_percent),
      bytes(a.memory_bytes),
      ...(groups ? [cell(a.group)] : []),
    ]),
    o.width,
  );
}

/** `status` without an agent: one row per agent. */
export function formatStatusAll(data: { agents: AgentStatus[] }, o: FormatOptions): string {
  if (data.agents.length === 0) return "No agents";
  return table(
    ["NAME", "STATE", "PID", "UPTIME", "CPU%", "MEM", "RESTARTS", "LAST HEARTBEAT", "REASON"],
    data.agents.map((a) => [
      a.name,
      state(a.state, o),
      cell(a.pid),
      duration(a.uptime_seconds),
      percent(a.cpu_percent),
      bytes(a.memory_bytes),
      cell(a.restarts),
      cell(a.last_heartbeat),
      cell(a.reason),
    ]),
    o.width,
  );
}

/** `status <agent>`: key/value lines. */
export function formatStatus(a: AgentStatus, o: FormatOptions): string {
  const deps = Object.entries(a.depends_on ?? {}).map(([k, v]) => `${k} (${v})`).join(", ");
  return keyValues([
    ["agent", a.agent_name],
    ["state", state(a.state, o)],
    ["kind", cell(a.kind)],
    ["pid", cell(a.pid)],
    ["uptime", duration(a.uptime_seconds)],
    [
      "cpu",
      a.cpu_percent === null || a.cpu_percent === undefined ? "-" : `${percent(a.cpu_percent)}%`,
    ],
    ["memory", bytes(a.memory_bytes)],
    ["restarts", cell(a.restarts)],
    ["last heartbeat", cell(a.last_heartbeat)],
    ["started at", cell(a.started_at)],
    ["last exit code", cell(a.last_exit_code)],
    ["last signal", cell(a.last_signal)],
    ["reason", cell(a.reason)],
    ["autostart", cell(a.autostart)],
    ["depends on", deps === "" ? "-" : deps],
    ["next start at", cell(a.next_start_at)],
    ["log bytes lost", cell(a.log_lost_bytes ?? 0)],
    ["description", a.description === "" ? "-" : cell(a.description)],
  ]);
}

/** `stats`: key/value lines. */
export function formatStats(s: Stats & { socket?: SocketInfo }): string {
  const states = Object.entries(s.states ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
  const socket = s.socket === undefined ? [] : [[
    "socket",
    `${s.socket.path} (${s.socket.source === "systemd" ? "passed by systemd" : "bound"}, ${
      s.socket.verified_peers ? "callers verified" : "callers as reported"
    })`,
  ] as [string, string]];
  return keyValues([
    ["total agents", cell(s.total_agents)],
    ["running", cell(s.running)],
    ["completed", cell(s.completed)],
    ["max workers", cell(s.max_workers)],
    ["uptime", duration(s.uptime_seconds)],
    ["states", states === "" ? "-" : states],
    ["pid", cell(s.pid)],
    ["started at", cell(s.started_at)],
    ["containment", cell(s.containment)],
    [
      "cpu",
      s.cpu_percent === null || s.cpu_percent === undefined
        ? "-"
        : `${percent(s.cpu_percent)}% (agents)`,
    ],
    [
      "memory",
      s.memory_bytes === null || s.memory_bytes === undefined
        ? "-"
        : `${bytes(s.memory_bytes)} (agents)`,
    ],
    [
      "forwarded lines",
      `${cell(s.forwarded_lines ?? 0)} (${cell(s.forward_dropped_lines ?? 0)} dropped)`,
    ],
    ...socket,
  ]);
}

/** `history`: TIME EVENT AGENT DATA (`key=value` pairs), newest first as received. */
export function formatHistory(data: { events: OrchestratorEvent[] }, o: FormatOptions): string {
  if (data.events.length === 0) return "No events";
  return table(
    ["TIME", "EVENT", "AGENT", "DATA"],
    data.events.map((e) => [
      e.timestamp,
      e.event_name,
      cell(e.agent_name),
      keyValuePairs(e.data),
    ]),
    o.width,
  );
}

/** `report`: stats, the agent table, problems, recent failures. */
export function formatReport(
  data: {
    generated_at: string;
    stats: Stats;
    agents: AgentStatus[];
    problems: { name: string; state: string; reason: string | null }[];
    recent_failures: OrchestratorEvent[];
  },
  o: FormatOptions,
): string {
  const parts = [
    paint(`Report ${data.generated_at}`, "bold", o.color),
    "",
    formatStats(data.stats),
    "",
    formatStatusAll({ agents: data.agents }, o),
    "",
  ];
  if (data.problems.length === 0) parts.push("Problems: none");
  else {
    parts.push("Problems:");
    for (const p of data.problems) {
      parts.push(`  ${p.name}: ${state(p.state, o)}${p.reason === null ? "" : ` (${p.reason})`}`);
    }
  }
  parts.push("");
  if (data.recent_failures.length === 0) parts.push("Recent failures: none");
  else parts.push("Recent failures:", formatHistory({ events: data.recent_failures }, o));
  return parts.join("\n");
}

/**
 * `start`/`stop`/`restart`/`pause`/`resume`: one line about the agent. A
 * `start` or `stop` that found it already so (`already: true`) says which
 * way: `already running (pid 123)`, `already queued (pending)`, `already
 * stopped (completed)` …
 */
export function formatAgentAction(
  a: AgentStatus & { already?: boolean },
  o: FormatOptions,
): string {
  const pid = a.pid === null ? "" : ` (pid ${a.pid})`;
  const name = `Agent "${a.agent_name ?? a.name}" is`;
  if (a.already !== true) return `${name} ${state(a.state, o)}${pid}`;
  const pidAfter = a.pid === null ? "" : `, pid ${a.pid}`;
  switch (a.state) {
    case "running":
    case "starting":
    case "stopped":
      return `${name} already ${state(a.state, o)}${pid}`;
    case "ready":
    case "paused":
      return `${name} already running (${state(a.state, o)}${pidAfter})`;
    case "pending":
      return `${name} already queued (${state(a.state, o)})`;
    case "backoff":
      return `${name} already restarting (${state(a.state, o)})`;
    default: // completed, failed, fatal
      return `${name} already stopped (${state(a.state, o)})`;
  }
}

/** `signal`: one line about the signal sent. */
export function formatSignal(a: AgentStatus & { signal: string }, o: FormatOptions): string {
  const pid = a.pid === null ? "" : `, pid ${a.pid}`;
  return `Sent ${a.signal} to agent "${a.agent_name ?? a.name}" (${state(a.state, o)}${pid})`;
}

/** Options of {@link formatLogs}: `raw` prints the agent's control characters as they are. */
export interface LogsFormatOptions extends FormatOptions {
  raw?: boolean;
}

/**
 * `logs`: stdout lines, then stderr lines, each under a header. Control
 * characters in the lines are shown escaped (`\x1b`) unless `raw`.
 */
export function formatLogs(l: AgentLogs, o: LogsFormatOptions): string {
  const lines = (list: string[]) => o.raw === true ? list : list.map(escapeControls);
  const parts: string[] = [];
  const { stdout, stderr } = l.counters;
  if (l.truncated) {
    const dropped = `${stdout.dropped_bytes} bytes of stdout, ${stderr.dropped_bytes} of stderr`;
    parts.push(paint(`(older output was dropped: ${dropped})`, "dim", o.color));
  }
  const cut = stdout.cut_lines + stderr.cut_lines;
  if (cut > 0) parts.push(paint(`(${cut} over-long lines were cut)`, "dim", o.color));
  const lost = l.lost_bytes ?? { stdout: 0, stderr: 0 };
  if (lost.stdout + lost.stderr > 0) {
    const bytes = `${lost.stdout} bytes of stdout, ${lost.stderr} of stderr`;
    parts.push(paint(`(not written to the log_dir files: ${bytes})`, "dim", o.color));
  }
  parts.push(paint(`==> ${l.agent_name} stdout <==`, "bold", o.color), ...lines(l.stdout));
  parts.push(paint(`==> ${l.agent_name} stderr <==`, "bold", o.color), ...lines(l.stderr));
  return parts.join("\n");
}

/** `call`: the summary line printed on stderr after the task's own output. */
export function formatCall(r: UtcpResult): string {
  const how = r.timed_out
    ? "timed out"
    : r.return_code === null
    ? "killed by a signal"
    : `exited ${r.return_code}`;
  const dropped = r.truncated ? " (older output was dropped)" : "";
  return `Task ${how} after ${r.execution_time.toFixed(3)} s${dropped}`;
}
