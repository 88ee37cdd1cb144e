import assert from "node:assert/strict";
import type { AgentStatus, AgentSummary, UtcpResult } from "../../lib/agent/info.ts";
import type { AgentState } from "../../lib/agent/state.ts";
import {
  colorEnabled,
  cutText,
  duration,
  fitWidths,
  keyValuePairs,
  keyValues,
  paint,
  table,
  terminalWidth,
  visibleWidth,
} from "../../lib/cli/format.ts";
import {
  formatAgentAction,
  formatCall,
  formatHistory,
  formatLogs,
  formatPs,
  formatSignal,
  formatStats,
} from "../../lib/cli/views.ts";
import { withTaskOutput } from "../../lib/cli/call.ts";

Deno.test("format: table aligns columns, ignoring colour codes", () => {
  const red = paint("failed", "red", true);
  assert.equal(visibleWidth(red), 6);
  assert.equal(
    table(["NAME", "STATE", "PID"], [["web", red, "12"], ["database", "ok", "-"]]),
    `NAME      STATE   PID\nweb       ${red}  12\ndatabase  ok      -`,
  );
});

Deno.test("format: no colour codes when colour is off", () => {
  const fatal: { agents: AgentSummary[] } = {
    agents: [{
      name: "w",
      state: "fatal",
      pid: null,
      kind: "service",
      group: null,
      restarts: 5,
      uptime_seconds: null,
      cpu_percent: null,
      memory_bytes: null,
    }],
  };
  const out = formatPs(fatal, { color: false });
  assert.equal(out.includes("\x1b"), false);
  assert.equal(
    out,
    "NAME  STATE  PID  KIND     RESTARTS  UPTIME  CPU%  MEM\n" +
      "w     fatal  -    service  5         -       -     -",
  );
  const colored = formatPs(fatal, { color: true });
  assert.ok(colored.includes("\x1b[31mfatal\x1b[39m"));
});

Deno.test("format: durations and key/values", () => {
  assert.equal(duration(null), "-");
  assert.equal(duration(5.9), "5s");
  assert.equal(duration(187), "3m07s");
  assert.equal(duration(7500), "2h05m");
  assert.equal(duration(3 * 86400 + 4 * 3600), "3d04h");
  assert.equal(keyValues([["a", "1"], ["long key", "2"]]), "a:        1\nlong key: 2");
});

Deno.test("format: call prints the task's bytes, then a summary line on stderr", () => {
  const r: UtcpResult = {
    stdout: "hi",
    stderr: "",
    return_code: 0,
    execution_time: 0.01,
    timed_out: false,
    truncated: false,
    stdout_encoding: "utf-8",
    stderr_encoding: "utf-8",
  };
  assert.equal(formatCall(r), "Task exited 0 after 0.010 s");
  const ok = withTaskOutput({ exitCode: 0, stderr: formatCall(r) }, r);
  assert.deepEqual(ok.rawStdout, new TextEncoder().encode("hi"));
  assert.equal(ok.stderr, "Task exited 0 after 0.010 s");
  const failed = { ...r, stderr: "x", return_code: null, timed_out: true, truncated: true };
  assert.equal(formatCall(failed), "Task timed out after 0.010 s (older output was dropped)");
  assert.match(withTaskOutput({ exitCode: 1, stderr: "S" }, failed).stderr!, /^\nS$/);
  const bin = { ...r, stdout: "//4=", stdout_encoding: "base64" as const };
  assert.deepEqual(withTaskOutput({ exitCode: 0 }, bin).rawStdout, new Uint8Array([0xff, 0xfe]));
});

Deno.test("format: logs says how much output was dropped, how many lines were cut, and bytes lost", () => {
  const counters = {
    stdout: { bytes: 70_000, dropped_bytes: 4464, cut_lines: 2 },
    stderr: { bytes: 3, dropped_bytes: 0, cut_lines: 0 },
  };
  const logs = {
    agent_name: "a",
    stdout: ["x…[cut]"],
    stderr: ["e"],
    truncated: true,
    counters,
    lost_bytes: { stdout: 0, stderr: 0 },
  };
  assert.equal(
    formatLogs(logs, { color: false }),
    "(older output was dropped: 4464 bytes of stdout, 0 of stderr)\n" +
      "(2 over-long lines were cut)\n==> a stdout <==\nx…[cut]\n==> a stderr <==\ne",
  );
  const lost = formatLogs({ ...logs, lost_bytes: { stdout: 120, stderr: 7 } }, { color: false });
  assert.match(lost, /^\(not written to the log_dir files: 120 bytes of stdout, 7 of stderr\)$/m);
});

function env(vars: Record<string, string>) {
  return { get: (name: string) => vars[name] };
}
const TTY = { isTerminal: () => true };
const PIPE = { isTerminal: () => false };

Deno.test("colour: a terminal; NO_COLOR only when non-empty; TERM=dumb; FORCE_COLOR; --no-color", () => {
  const on = (stream: typeof TTY, vars: Record<string, string>, noColor = false) =>
    colorEnabled(stream, { env: env(vars), noColor });
  assert.equal(on(TTY, {}), true);
  assert.equal(on(PIPE, {}), false);
  assert.equal(on(TTY, { NO_COLOR: "" }), true); // an empty NO_COLOR does not disable it
  assert.equal(on(TTY, { NO_COLOR: "1" }), false);
  assert.equal(on(TTY, { TERM: "dumb" }), false);
  assert.equal(on(PIPE, { FORCE_COLOR: "1" }), true);
  assert.equal(on(PIPE, { FORCE_COLOR: "0" }), false);
  assert.equal(on(PIPE, { FORCE_COLOR: "" }), false);
  assert.equal(on(TTY, { TERM: "dumb", FORCE_COLOR: "1" }), true);
  assert.equal(on(PIPE, { FORCE_COLOR: "1", NO_COLOR: "1" }), false); // NO_COLOR wins
  assert.equal(on(TTY, { FORCE_COLOR: "1" }, true), false); // --no-color wins
});

Deno.test("width: COLUMNS when stdout is not a terminal, else no limit", () => {
  assert.equal(terminalWidth(PIPE, env({ COLUMNS: "72" })), 72);
  assert.equal(terminalWidth(PIPE, env({})), undefined);
  for (const bad of ["0", "-5", "wide", "", "1e3"]) {
    assert.equal(terminalWidth(PIPE, env({ COLUMNS: bad })), undefined, bad);
  }
});

Deno.test("table: the widest column is cut with an ellipsis so every line fits", () => {
  assert.deepEqual(fitWidths([24, 16, 6, 60], 80), [24, 16, 6, 28]);
  assert.deepEqual(fitWidths([24, 16, 6, 60], undefined), [24, 16, 6, 60]);
  assert.deepEqual(fitWidths([10, 10], 100), [10, 10]);
  assert.deepEqual(fitWidths([9, 9, 9], 10), [8, 8, 8]); // cannot fit: cut no further
  const rows = [["web", "running", "x".repeat(50)], ["db", "fatal", "short"]];
  const out = table(["NAME", "STATE", "REASON"], rows, 30);
  for (const line of out.split("\n")) assert.ok(line.length <= 30, line);
  assert.equal(out.split("\n")[1], `web   running  ${"x".repeat(14)}…`);
  assert.equal(out.split("\n")[2], "db    fatal    short");
  assert.equal(cutText(paint("running", "green", true), 5), "runn…"); // colour dropped when cut
  assert.equal(cutText("a\u{1F600}bc", 3), "a…"); // a surrogate pair is never split
});

Deno.test("history: data as key=value, strings quoted only when needed", () => {
  assert.equal(
    keyValuePairs({ code: 1, reason: "exited with code 1", user: "ops", args: ["web"] }),
    'code=1 reason="exited with code 1" user=ops args=["web"]',
  );
  assert.equal(
    keyValuePairs({ a: "", b: 'say "hi"', c: null, d: true }),
    'a="" b="say \\"hi\\"" c=null d=true',
  );
  assert.equal(keyValuePairs({}), "-");
  const out = formatHistory({
    events: [{
      id: 1,
      timestamp: "2025-01-01T00:00:00.000Z",
      category: "agent",
      event_name: "AGENT_FAILED",
      agent_name: "web",
      data: { exit_code: 1, reason: "boom now" },
    }],
  }, { color: false });
  assert.equal(
    out.split("\n")[1],
    '2025-01-01T00:00:00.000Z  AGENT_FAILED  web    exit_code=1 reason="boom now"',
  );
});

/** A status with only what the action lines read. */
function statusOf(state: AgentState, pid: number | null): AgentStatus {
  return { agent_name: "web", name: "web", state, pid } as AgentStatus;
}

Deno.test("format: start/stop say 'already' and how; signal names the signal", () => {
  const o = { color: false };
  const line = (state: AgentState, pid: number | null, already?: boolean) =>
    formatAgentAction(
      { ...statusOf(state, pid), ...(already === undefined ? {} : { already }) },
      o,
    );
  assert.equal(line("running", 12), 'Agent "web" is running (pid 12)');
  assert.equal(line("running", 12, false), 'Agent "web" is running (pid 12)');
  assert.equal(line("stopped", null, false), 'Agent "web" is stopped');
  assert.equal(line("running", 12, true), 'Agent "web" is already running (pid 12)');
  assert.equal(line("starting", 12, true), 'Agent "web" is already starting (pid 12)');
  assert.equal(line("ready", 12, true), 'Agent "web" is already running (ready, pid 12)');
  assert.equal(line("paused", 12, true), 'Agent "web" is already running (paused, pid 12)');
  assert.equal(line("pending", null, true), 'Agent "web" is already queued (pending)');
  assert.equal(line("backoff", null, true), 'Agent "web" is already restarting (backoff)');
  assert.equal(line("stopped", null, true), 'Agent "web" is already stopped');
  assert.equal(line("completed", null, true), 'Agent "web" is already stopped (completed)');
  assert.equal(line("failed", null, true), 'Agent "web" is already stopped (failed)');
  assert.equal(line("fatal", null, true), 'Agent "web" is already stopped (fatal)');
  assert.equal(
    formatSignal({ ...statusOf("ready", 12), signal: "SIGHUP" }, o),
    'Sent SIGHUP to agent "web" (ready, pid 12)',
  );
});

Deno.test("formatStats: the socket line says where the socket came from and whether callers are verified", () => {
  const stats = {
    total_agents: 1,
    running: 1,
    completed: 0,
    max_workers: 10,
    uptime_seconds: 3,
    states: { running: 1 },
    pid: 7,
    started_at: "2026-01-01T00:00:00.000Z",
    containment: "subreaper" as const,
    cpu_percent: null,
    memory_bytes: null,
    forwarded_lines: 0,
    forward_dropped_lines: 0,
  };
  assert.doesNotMatch(formatStats(stats), /socket/);
  const passed = formatStats({
    ...stats,
    socket: { path: "/run/o.sock", source: "systemd", verified_peers: true },
  });
  assert.match(passed, /^socket: +\/run\/o\.sock \(passed by systemd, callers verified\)$/m);
  const bound = formatStats({
    ...stats,
    socket: { path: "/tmp/o.sock", source: "bound", verified_peers: false },
  });
  assert.match(bound, /^socket: +\/tmp\/o\.sock \(bound, callers as reported\)$/m);
});
