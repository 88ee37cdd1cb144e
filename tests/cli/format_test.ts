import assert from "node:assert/strict";
import type { AgentSummary } from "../../lib/agent/info.ts";
import { duration, keyValues, paint, table, visibleWidth } from "../../lib/cli/format.ts";
import { formatCall, formatPs } from "../../lib/cli/views.ts";

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

Deno.test("format: call result goes to stdout/stderr with a summary", () => {
  assert.deepEqual(
    formatCall({
      stdout: "hi\n",
      stderr: "",
      return_code: 0,
      execution_time: 0.01,
      timed_out: false,
    }),
    { stdout: "hi", stderr: "Task exited 0 after 0.010 s" },
  );
  assert.match(
    formatCall({ stdout: "", stderr: "x\n", return_code: null, execution_time: 2, timed_out: true })
      .stderr,
    /^x\nTask timed out after 2.000 s$/,
  );
});
