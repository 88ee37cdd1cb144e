/**
 * `orchestrator top` without a terminal: keys from raw bytes, the model fed
 * with rows, events and log lines, the key map, the pushed frames of a
 * subscription, and the screen as text (80×24, and smaller).
 */

import assert from "node:assert/strict";
import { parseKeys } from "../../lib/cli/top/keys.ts";
import { handleKey } from "../../lib/cli/top/keymap.ts";
import {
  type AgentRow,
  applyEvents,
  applyLog,
  applyRows,
  initialState,
  LOG_LINES_KEPT,
  setLogLines,
  type TopState,
  visibleAgents,
} from "../../lib/cli/top/model.ts";
import { parsePushed } from "../../lib/cli/top/pushed.ts";
import { HELP_LINE, render } from "../../lib/cli/top/view.ts";
import type { Key } from "../../lib/cli/top/keys.ts";

const NOW = Date.UTC(2026, 10, 21, 7, 0, 0);

const ROWS: AgentRow[] = [
  {
    name: "web",
    state: "running",
    pid: 101,
    restarts: 0,
    uptime_seconds: 65,
    cpu_percent: 2.5,
    memory_bytes: 30e6,
  },
  {
    name: "db",
    state: "ready",
    pid: 102,
    restarts: 1,
    uptime_seconds: 3600,
    cpu_percent: 40,
    memory_bytes: 500e6,
  },
  {
    name: "worker",
    state: "fatal",
    pid: null,
    restarts: 5,
    uptime_seconds: null,
    cpu_percent: null,
    memory_bytes: null,
  },
  {
    name: "api",
    state: "running",
    pid: 104,
    restarts: 0,
    uptime_seconds: 10,
    cpu_percent: 12,
    memory_bytes: 90e6,
  },
];

function withRows(): TopState {
  return applyRows(initialState("/tmp/o.sock"), ROWS, NOW);
}

function press(state: TopState, ...keys: (Key | string)[]) {
  let s = state;
  const effects = [];
  for (const k of keys) {
    const key: Key = typeof k === "string" ? { name: "char", char: k } : k;
    const r = handleKey(s, key, 10);
    s = r.state;
    effects.push(...r.effects);
  }
  return { state: s, effects };
}

const names = (s: TopState) => visibleAgents(s).map((a) => a.name);

Deno.test("top keys: characters, control keys and escape sequences", () => {
  assert.deepEqual(parseKeys("q"), [{ name: "char", char: "q" }]);
  assert.deepEqual(parseKeys("\x1b[A\x1b[B\x1bOA\r\x7f\x03"), [
    { name: "up" },
    { name: "down" },
    { name: "up" },
    { name: "enter" },
    { name: "backspace" },
    { name: "ctrl-c" },
  ]);
  assert.deepEqual(parseKeys("\x1b[5~\x1b[6~\x1b[H\x1b[F"), [
    { name: "pageup" },
    { name: "pagedown" },
    { name: "home" },
    { name: "end" },
  ]);
  assert.deepEqual(parseKeys("\x1b"), [{ name: "escape" }], "a lone ESC");
  assert.deepEqual(
    parseKeys("\x1b[1;5Cx"),
    [{ name: "char", char: "x" }],
    "unknown sequence skipped",
  );
  assert.deepEqual(parseKeys("é😀"), [{ name: "char", char: "é" }, { name: "char", char: "😀" }]);
});

Deno.test("top model: sort keys order the list; the same key again reverses it", () => {
  let s = withRows();
  assert.deepEqual(names(s), ["web", "db", "worker", "api"], "config order at first");
  s = press(s, "c").state;
  assert.deepEqual(names(s), ["db", "api", "web", "worker"], "cpu, highest first");
  s = press(s, "m").state;
  assert.deepEqual(names(s), ["db", "api", "web", "worker"], "memory, highest first");
  s = press(s, "n").state;
  assert.deepEqual(names(s), ["api", "db", "web", "worker"]);
  s = press(s, "n").state;
  assert.deepEqual(names(s), ["worker", "web", "db", "api"], "n again: reversed");
  s = press(s, "s").state;
  assert.deepEqual(
    names(s),
    ["worker", "web", "api", "db"],
    "problems first, ties in config order",
  );
  s = press(s, "o").state;
  assert.deepEqual(names(s), ["web", "db", "worker", "api"]);
});

Deno.test("top model: the selection follows its agent across sorts and moves with the keys", () => {
  let s = withRows();
  assert.equal(s.selected, "web", "the first agent is selected");
  s = press(s, "c").state;
  assert.equal(s.selected, "web", "a sort keeps the selected agent");
  s = press(s, { name: "down" }).state;
  assert.equal(s.selected, "worker");
  s = press(s, { name: "home" }).state;
  assert.equal(s.selected, "db");
  s = press(s, "G").state;
  assert.equal(s.selected, "worker");
  s = press(s, { name: "pageup" }).state;
  assert.equal(s.selected, "db");
  s = press(s, "j", "j", "k").state;
  assert.equal(s.selected, "api");
});

Deno.test("top model: / filters by name or state; Enter keeps it, Esc clears it", () => {
  let s = press(withRows(), "/", "w", "o").state;
  assert.equal(s.mode, "filter");
  assert.deepEqual(names(s), ["worker"]);
  s = press(s, { name: "backspace" }, { name: "enter" }).state;
  assert.equal(s.mode, "list");
  assert.deepEqual(names(s), ["web", "worker"]);
  s = press(s, "/", { name: "backspace" }, { name: "backspace" }, "f", "a", "t").state;
  assert.deepEqual(names(s), ["worker"], "matches the state");
  s = press(s, { name: "escape" }).state;
  assert.equal(s.filter, "");
  assert.equal(s.mode, "list");
  assert.equal(press(s, "/", "q").state.filter, "q", "q is text while typing a filter");
});

Deno.test("top model: S, x, r ask first; y sends the command, anything else cancels", () => {
  const s = press(withRows(), "j").state;
  const asked = press(s, "x");
  assert.equal(asked.state.mode, "confirm");
  assert.deepEqual(asked.state.confirm, { command: "stop", agent: "db" });
  assert.deepEqual(asked.effects, []);
  const yes = press(asked.state, "y");
  assert.deepEqual(yes.effects, [{ type: "command", command: "stop", agent: "db" }]);
  assert.equal(yes.state.mode, "list");
  const no = press(asked.state, "n");
  assert.deepEqual(no.effects, []);
  assert.equal(no.state.message?.text, "Cancelled");
  assert.deepEqual(press(s, "S", "y").effects, [{
    type: "command",
    command: "start",
    agent: "db",
  }]);
  assert.deepEqual(press(s, "r", "Y").effects, [{
    type: "command",
    command: "restart",
    agent: "db",
  }]);
});

Deno.test("top model: q and Ctrl-C quit; l opens and closes the log pane", () => {
  assert.deepEqual(press(withRows(), "q").effects, [{ type: "quit" }]);
  assert.deepEqual(press(withRows(), "/", { name: "ctrl-c" }).effects, [{ type: "quit" }]);
  const open = press(withRows(), "l");
  assert.deepEqual(open.effects, [{ type: "follow", agent: "web" }]);
  assert.deepEqual(open.state.log, { agent: "web", lines: [] });
  const closed = press(open.state, "l");
  assert.deepEqual(closed.effects, [{ type: "follow", agent: null }]);
  assert.equal(closed.state.log, null);
  assert.deepEqual(press(open.state, { name: "escape" }).effects, [{
    type: "follow",
    agent: null,
  }]);
});

Deno.test("top model: events set the last event and the state; a stop clears pid and figures", () => {
  let s = withRows();
  s = applyEvents(s, [
    {
      id: 7,
      event_name: "AGENT_STOPPED",
      agent_name: "web",
      timestamp: new Date(NOW).toISOString(),
      data: { from: "stopping", to: "stopped" },
    },
    {
      id: 8,
      event_name: "COMMAND_EXECUTED",
      agent_name: "web",
      timestamp: new Date(NOW).toISOString(),
      data: {},
    },
  ], NOW);
  const web = s.agents.find((a) => a.name === "web")!;
  assert.equal(web.state, "stopped");
  assert.equal(web.pid, null);
  assert.equal(web.cpu, null);
  assert.deepEqual(web.lastEvent, { name: "STOPPED", at: NOW });
  assert.equal(s.lastEventId, 8);
  s = applyEvents(s, [
    {
      id: 9,
      event_name: "AGENT_STARTED",
      agent_name: "web",
      timestamp: new Date(NOW + 5).toISOString(),
      data: { to: "running", pid: 555 },
    },
    {
      id: 6,
      event_name: "AGENT_FAILED",
      agent_name: "web",
      timestamp: new Date(NOW).toISOString(),
      data: { to: "failed" },
    },
  ], NOW + 5);
  const again = s.agents.find((a) => a.name === "web")!;
  assert.equal(again.state, "running", "an event already applied (id 6) is skipped");
  assert.equal(again.pid, 555);
  // A later ps keeps the last event.
  s = applyRows(s, ROWS, NOW + 10);
  assert.equal(s.agents.find((a) => a.name === "web")!.lastEvent?.name, "STARTED");
});

Deno.test("top model: log lines of the followed agent only, the newest kept", () => {
  let s = press(withRows(), "l").state;
  s = applyLog(s, "db", { stream: "stdout", text: "not followed" });
  assert.deepEqual(s.log?.lines, []);
  for (let i = 0; i < LOG_LINES_KEPT + 5; i++) {
    s = applyLog(s, "web", { stream: "stdout", text: `l${i}` });
  }
  assert.equal(s.log?.lines.length, LOG_LINES_KEPT);
  assert.equal(s.log?.lines[0].text, "l5");
  s = setLogLines(s, "web", [{ stream: "stderr", text: "backlog" }]);
  assert.deepEqual(s.log?.lines, [{ stream: "stderr", text: "backlog" }]);
});

Deno.test("top pushed frames: snapshots, events, logs, heartbeats; unknown ones skipped", () => {
  assert.deepEqual(
    parsePushed({ type: "snapshot", agent: { name: "web", state: "running", pid: 3 } }),
    {
      kind: "snapshot",
      row: {
        name: "web",
        state: "running",
        pid: 3,
        restarts: 0,
        uptime_seconds: null,
        cpu_percent: null,
        memory_bytes: null,
      },
    },
  );
  const flat = parsePushed({ type: "snapshot", agent_name: "db", state: "ready", pid: null });
  assert.equal(flat?.kind === "snapshot" && flat.row.name, "db");
  const event = {
    id: 4,
    event_name: "AGENT_READY",
    agent_name: "db",
    timestamp: "2026-11-21T07:00:00.000Z",
    data: {},
  };
  assert.deepEqual(parsePushed({ type: "event", event }), { kind: "event", event });
  assert.deepEqual(parsePushed({ type: "event", ...event }), { kind: "event", event });
  assert.deepEqual(
    parsePushed({ type: "log", agent: "web", stream: "stderr", timestamp: "t", line: "x" }),
    {
      kind: "log",
      agent: "web",
      line: { stream: "stderr", text: "x" },
    },
  );
  assert.deepEqual(parsePushed({ type: "heartbeat" }), { kind: "heartbeat" });
  assert.deepEqual(parsePushed({ type: "overflow", last_id: 3 }), { kind: "overflow" });
  assert.equal(parsePushed({ type: "snapshot_end" })?.kind, "snapshot_end");
  assert.equal(parsePushed({ type: "later" }), null);
  assert.equal(parsePushed({ type: "event", id: "x" }), null);
  assert.equal(parsePushed([1]), null);
});

/** Visible width of a rendered line (colour codes left out). */
function width(line: string): number {
  // deno-lint-ignore no-control-regex
  return [...line.replace(/\x1b\[[0-9;]*m/g, "")].length;
}

Deno.test("top view: 80×24 exactly, with every column, the selection and the help line", () => {
  const s = applyEvents(withRows(), [
    {
      id: 1,
      event_name: "AGENT_FATAL",
      agent_name: "worker",
      timestamp: new Date(NOW - 5000).toISOString(),
      data: { to: "fatal" },
    },
  ], NOW);
  for (const color of [false, true]) {
    const lines = render(s, { rows: 24, cols: 80, now: NOW, color });
    assert.equal(lines.length, 24);
    for (const line of lines) assert.equal(width(line), 80, JSON.stringify(line));
  }
  const lines = render(s, { rows: 24, cols: 80, now: NOW, color: false });
  assert.ok(lines[0].startsWith("orchestrator top  4 agents, 3 up, 1 failed  cpu 54.5%  mem 591M"));
  assert.match(lines[2], /^ {2}NAME +STATE +PID +CPU% +MEM RESTARTS +UPTIME LAST EVENT/);
  assert.match(lines[3], /^> web +running +101 +2\.5 +29M +0 +1m05s -/);
  assert.match(lines[4], /^ {2}db +ready +102 +40\.0 +477M +1 +1h00m/);
  assert.match(lines[5], /^ {2}worker +fatal +- +- +- +5 +- FATAL 5s ago/);
  assert.equal(lines[23].trimEnd(), HELP_LINE);
});

Deno.test("top view: the confirmation, the filter prompt and the log pane", () => {
  const asked = press(withRows(), "x").state;
  assert.match(
    render(asked, { rows: 24, cols: 80, now: NOW, color: false })[1],
    /^Stop agent "web"\? \(y\/n\)/,
  );
  const typing = press(withRows(), "/", "d").state;
  assert.match(render(typing, { rows: 24, cols: 80, now: NOW, color: false })[1], /^filter: d_/);
  let logged = press(withRows(), "l").state;
  logged = applyLog(logged, "web", { stream: "stdout", text: "listening \x1b[2J" });
  logged = applyLog(logged, "web", { stream: "stderr", text: "warning" });
  const lines = render(logged, { rows: 24, cols: 80, now: NOW, color: false });
  assert.equal(lines.length, 24);
  const pane = lines.findIndex((l) => l.startsWith("── web: output"));
  assert.ok(pane > 3, lines.join("\n"));
  assert.equal(lines[pane + 1].trimEnd(), "  listening \\x1b[2J", "control characters escaped");
  assert.equal(lines[pane + 2].trimEnd(), "! warning");
});

Deno.test("top view: a small terminal gets what fits, never a wider line", () => {
  for (const [rows, cols] of [[5, 30], [3, 10], [1, 1], [24, 40]]) {
    const lines = render(press(withRows(), "l").state, { rows, cols, now: NOW, color: true });
    assert.equal(lines.length, rows, `${rows}x${cols}`);
    for (const line of lines) {
      assert.ok(width(line) <= cols, `${rows}x${cols}: ${JSON.stringify(line)}`);
    }
  }
  const empty = render(initialState("/s"), { rows: 24, cols: 80, now: NOW, color: false });
  assert.match(empty[3], /No agents/);
});
