import assert from "node:assert/strict";
import { renderResponse } from "../../lib/cli/client_command.ts";
import {
  COMMON_FLAGS,
  INPUT_FLAGS,
  inputsFlag,
  intFlag,
  parseFlags,
  timeoutSeconds,
} from "../../lib/cli/flags.ts";
import { splitPositionals } from "../../lib/cli/socket_target.ts";
import { UsageError } from "../../lib/cli/result.ts";
import { spec as psSpec } from "../../lib/cli/ps.ts";
import { historyOptions } from "../../lib/cli/history.ts";
import { notUp } from "../../lib/cli/status.ts";
import type { AgentStatus } from "../../lib/agent/info.ts";

const FLAGS = [
  ...COMMON_FLAGS,
  ...INPUT_FLAGS,
  { name: "limit", type: "string" as const, help: "" },
];

Deno.test("parseFlags: values, =values, booleans, -h, -- and repeats", () => {
  const out = parseFlags(
    ["web", "--socket", "/s", "--json", "--limit=5", "--input", "a=1", "--input=b=2", "--", "--x"],
    FLAGS,
  );
  assert.deepEqual(out.positionals, ["web", "--x"]);
  assert.deepEqual(out.flags, { socket: "/s", json: true, limit: "5", input: ["a=1", "b=2"] });
  assert.equal(parseFlags(["-h"], FLAGS).flags.help, true);
});

Deno.test("parseFlags: unknown flags and missing values are usage errors", () => {
  assert.throws(() => parseFlags(["--nope"], FLAGS), UsageError);
  assert.throws(() => parseFlags(["-x"], FLAGS), /Unknown flag "-x"/);
  assert.throws(() => parseFlags(["--socket"], FLAGS), /needs a value/);
  assert.throws(() => parseFlags(["--json=1"], FLAGS), /takes no value/);
});

Deno.test("flags: integers, timeouts and inputs are checked", () => {
  assert.equal(intFlag(parseFlags(["--limit", "7"], FLAGS), "limit"), 7);
  for (const bad of ["0", "-1", "1.5", "x", ""]) {
    assert.throws(() => intFlag(parseFlags([`--limit=${bad}`], FLAGS), "limit"), UsageError);
  }
  assert.equal(timeoutSeconds(parseFlags(["--timeout", "0.5"], FLAGS), 60), 0.5);
  assert.equal(timeoutSeconds(parseFlags([], FLAGS), 60), 60);
  assert.throws(() => timeoutSeconds(parseFlags(["--timeout", "0"], FLAGS), 60), UsageError);
  assert.deepEqual(
    inputsFlag(parseFlags(["--inputs", '{"a":1,"b":"x"}', "--input", "b=y=z"], FLAGS)),
    { a: 1, b: "y=z" },
  );
  assert.equal(inputsFlag(parseFlags([], FLAGS)), undefined);
  assert.throws(() => inputsFlag(parseFlags(["--inputs", "[1]"], FLAGS)), /JSON object/);
  assert.throws(() => inputsFlag(parseFlags(["--input", "novalue"], FLAGS)), /key=value/);
});

Deno.test("splitPositionals: an argument with a slash is the socket path", () => {
  assert.deepEqual(splitPositionals(["/run/o.sock"]), { socket: "/run/o.sock", rest: [] });
  assert.deepEqual(splitPositionals(["web"]), { socket: undefined, rest: ["web"] });
  assert.throws(() => splitPositionals(["/a", "./b"]), /More than one socket path/);
});

Deno.test("history flags become request options", () => {
  const args = parseFlags(["--limit", "3", "--category", "agent", "--since", "2025-01-01"], [
    ...COMMON_FLAGS,
    ...["limit", "category", "agent", "event", "since", "until"].map((name) => ({
      name,
      type: "string" as const,
      help: "",
    })),
  ]);
  assert.deepEqual(historyOptions(args), { limit: 3, category: "agent", since: "2025-01-01" });
});

Deno.test("renderResponse: exit codes and --json prints the response", () => {
  const ok = { status: "success" as const, data: { agents: [] } };
  const json = { json: true, format: { color: false } };
  const human = { json: false, format: { color: false } };
  assert.deepEqual(renderResponse(psSpec, ok, json), {
    exitCode: 0,
    stdout: '{"status":"success","data":{"agents":[]}}',
  });
  assert.equal(renderResponse(psSpec, ok, human).stdout, "No agents");
  const err = { status: "error" as const, code: 403 as const, error: "Command 'ps' not allowed" };
  assert.deepEqual(renderResponse(psSpec, err, human), {
    exitCode: 1,
    stderr: "Error 403: Command 'ps' not allowed",
  });
  assert.equal(renderResponse(psSpec, err, json).exitCode, 1);
});

Deno.test("status --wait: which agents are not up", () => {
  const a = (name: string, state: string, autostart = true) =>
    ({ name, agent_name: name, state, autostart }) as unknown as AgentStatus;
  assert.deepEqual(
    notUp({
      agents: [a("w", "running"), a("r", "ready"), a("c", "completed"), a("t", "stopped", false)],
    }),
    [],
  );
  assert.deepEqual(notUp({ agents: [a("w", "starting"), a("f", "fatal")] }), [
    "w (starting)",
    "f (fatal)",
  ]);
  assert.deepEqual(notUp(a("x", "stopped", false)), ["x (stopped)"]);
});
