import assert from "node:assert/strict";
import type { AgentSummary } from "../../lib/agent/info.ts";
import { duration, keyValues, paint, table, visibleWidth } from "../../lib/cli/format.ts";
import { formatCall, formatLogs, formatPs } from "../../lib/cli/views.ts";
import { withTaskOutput } from "../../lib/cli/call.ts";
import type { UtcpResult } from "../../lib/agent/info.ts";

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
      restarts: 5,
      uptime_seconds: null,
    }],
  };
  const out = formatPs(fatal, { color: false });
  assert.equal(out.includes("\x1b"), false);
  assert.equal(
    out,
    "NAME  STATE  PID  KIND     RESTARTS  UPTIME\nw     fatal  -    service  5         -",
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

Deno.test("format: logs says how much output was dropped and how many lines were cut", () => {
  const counters = {
    stdout: { bytes: 70_000, dropped_bytes: 4464, cut_lines: 2 },
    stderr: { bytes: 3, dropped_bytes: 0, cut_lines: 0 },
  };
  const text = formatLogs(
    { agent_name: "a", stdout: ["x…[cut]"], stderr: ["e"], truncated: true, counters },
    { color: false },
  );
  assert.equal(
    text,
    "(older output was dropped: 4464 bytes of stdout, 0 of stderr)\n" +
      "(2 over-long lines were cut)\n==> a stdout <==\nx…[cut]\n==> a stderr <==\ne",
  );
});
