/**
 * The CLI's daily habits through a real `orchestrator run`: several
 * targets, "did you mean", shutdown --wait, colour, tables that fit, history
 * as key=value, and --json on one line for every command.
 */

import assert from "node:assert/strict";
import { cli, startOrchestrator } from "./_orchestrator.ts";

const sleeper = (name: string, group?: string) => ({
  name,
  ...(group === undefined ? {} : { group }),
  tool_call_template: { call_template_type: "cli", command: "sleep", args: ["30"] },
});

const AGENTS = [sleeper("web", "front"), sleeper("web-admin", "front"), sleeper("worker", "back")];

/** Lines of a CLI output, without the final newline. */
function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

Deno.test("cli: several targets (names, globs, group:NAME, all), one line each, --json one document", async () => {
  const o = await startOrchestrator({ agents: AGENTS });
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const up = await cli(["status", "--wait", "--timeout", "20"], { env });
    assert.equal(up.code, 0, up.stderr);

    const ps = await cli(["ps"], { env });
    assert.match(
      ps.stdout,
      /^NAME\s+STATE\s+PID\s+KIND\s+RESTARTS\s+UPTIME\s+CPU%\s+MEM\s+GROUP\n/,
    );
    assert.match(ps.stdout, /\nworker\s+running\s+\d+\s+service\s+0\s+\S+\s+\S+\s+\S+\s+back\n/);
    const rows = JSON.parse((await cli(["ps", "--json"], { env })).stdout).data.agents;
    assert.deepEqual(rows.map((a: { group: string }) => a.group), ["front", "front", "back"]);

    const two = await cli(["stop", "web", "worker"], { env }); // stop: reverse order
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual(lines(two.stdout), ['Agent "worker" is stopped', 'Agent "web" is stopped']);

    const glob = await cli(["start", "w*", "--timeout", "10"], { env });
    assert.equal(glob.code, 0, glob.stderr); // web-admin is running already: a success
    assert.deepEqual(lines(glob.stdout).map((l) => l.replace(/ \(pid \d+\)$/, "")), [
      'Agent "web" is running',
      'Agent "web-admin" is already running',
      'Agent "worker" is running',
    ]);
    assert.equal(glob.stderr, "");

    const group = await cli(["restart", "group:front"], { env });
    assert.equal(group.code, 0, group.stderr);
    assert.equal(lines(group.stdout).length, 2);
    assert.match(group.stdout, /^Agent "web" is running \(pid \d+\)\nAgent "web-admin" is running/);

    const all = await cli(["stop", "all", "wroker", "--json"], { env });
    assert.equal(all.code, 1);
    assert.equal(lines(all.stdout).length, 1);
    const results = JSON.parse(all.stdout).results;
    assert.deepEqual(results.map((r: { target: string }) => r.target), [
      "wroker",
      "worker",
      "web-admin",
      "web",
    ]);
    assert.deepEqual(results[0], {
      target: "wroker",
      status: "error",
      code: 404,
      error: 'Unknown agent "wroker": did you mean "worker"?',
    });
    for (const r of results.slice(1)) {
      assert.equal(r.status, "success");
      assert.equal(r.data.state, "stopped");
    }

    const missing = await cli(["start", "group:frnt", "nope-*"], { env });
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      'Error 404: Unknown group "frnt": did you mean "front"?\n' +
        'Error 404: No agent matches "nope-*"\n',
    );
  } finally {
    await o.stop();
  }
});

Deno.test("cli: one plain name prints as before; a 404 suggests the closest agent name", async () => {
  const o = await startOrchestrator({ agents: AGENTS });
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const stop = await cli(["stop", "wbe"], { env });
    assert.equal(stop.code, 1);
    assert.equal(stop.stderr, 'Error 404: Unknown agent "wbe": did you mean "web"?\n');
    const json = await cli(["stop", "wbe", "--json"], { env });
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), {
      status: "error",
      code: 404,
      error: 'Unknown agent "wbe"', // --json: the response exactly as received
    });
    const status = await cli(["status", "wokrer"], { env });
    assert.equal(status.stderr, 'Error 404: Unknown agent "wokrer": did you mean "worker"?\n');
    const far = await cli(["logs", "zzzzzz"], { env });
    assert.equal(far.stderr, 'Error 404: Unknown agent "zzzzzz"\n');
    const one = await cli(["stop", "web", "--json"], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).status, "success"); // not {"results": …}
  } finally {
    await o.stop();
  }
});

Deno.test("cli: mistyped commands and flags: did you mean, usage hint, exit 2", async () => {
  const [command, flag, short, value] = await Promise.all([
    cli(["stauts"]),
    cli(["ps", "--jsn"]),
    cli(["stop", "web", "-json"]),
    cli(["history", "--limit"]),
  ]);
  assert.equal(command.code, 2);
  assert.equal(
    command.stderr,
    'Unknown command "stauts": did you mean "status"?\n' +
      "Run 'orchestrator --help' for the list of commands.\n",
  );
  assert.equal(flag.code, 2);
  assert.equal(
    flag.stderr,
    'Unknown flag "--jsn": did you mean "--json"?\nRun \'orchestrator ps --help\' for usage.\n',
  );
  assert.equal(short.code, 2);
  assert.match(short.stderr, /^Unknown flag "-json": did you mean "--json"\?\n/);
  assert.equal(value.code, 2);
  assert.equal(
    value.stderr,
    "Flag \"--limit\" needs a value\nRun 'orchestrator history --help' for usage.\n",
  );
});

Deno.test("cli: shutdown --wait returns once the orchestrator has exited", async () => {
  const slowStop = {
    name: "slow",
    stop_timeout: 10,
    tool_call_template: {
      call_template_type: "cli",
      command: "sh",
      args: ["-c", "trap 'sleep 1; exit 0' TERM; echo armed; while :; do sleep 0.1; done"],
    },
    readiness: { log_pattern: "armed" }, // up once the trap is set
  };
  const o = await startOrchestrator({ agents: [slowStop] });
  try {
    const up = await cli(["status", "--wait", "--timeout", "20", "--socket", o.socket]);
    assert.equal(up.code, 0, up.stderr);
    const started = performance.now();
    const res = await cli(["shutdown", "--wait", "--timeout", "20", "--socket", o.socket]);
    const elapsed = performance.now() - started;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, "Shutdown initiated\n");
    assert.ok(elapsed >= 900, `returned after ${elapsed} ms, before the agent could stop`);
    await assert.rejects(Deno.lstat(o.socket), Deno.errors.NotFound);
    const exited = await Promise.race([
      o.done.then((r) => r.code),
      new Promise((resolve) => setTimeout(() => resolve("still running"), 3000)),
    ]);
    assert.equal(exited, 0);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: shutdown --wait exits 3 at its timeout", async () => {
  const stubborn = {
    name: "stubborn",
    stop_timeout: 3,
    tool_call_template: {
      call_template_type: "cli",
      command: "sh",
      args: ["-c", "trap '' TERM; echo armed; sleep 30"],
    },
    readiness: { log_pattern: "armed" }, // up once SIGTERM is ignored
  };
  const o = await startOrchestrator({ agents: [stubborn], shutdown_timeout: 3 });
  try {
    const up = await cli(["status", "--wait", "--timeout", "20", "--socket", o.socket]);
    assert.equal(up.code, 0, up.stderr);
    const res = await cli(["shutdown", "--wait", "--timeout", "0.5", "--socket", o.socket]);
    assert.equal(res.code, 3);
    assert.equal(res.stdout, "Shutdown initiated\n");
    assert.match(
      res.stderr,
      /^Timed out after 0.5 s waiting for the orchestrator to exit: ".*o.sock" still accepts connections\n$/,
    );
    assert.equal((await o.done).code, 0); // SIGKILL after stop_timeout, then it exits
  } finally {
    await o.stop();
  }
});

Deno.test("cli: colour on FORCE_COLOR, off with --no-color or NO_COLOR; an empty NO_COLOR counts as unset", async () => {
  const o = await startOrchestrator();
  const base = { ORCHESTRATOR_SOCKET_PATH: o.socket, TERM: "xterm" };
  try {
    const up = await cli(["status", "--wait", "--timeout", "20"], { env: base });
    assert.equal(up.code, 0, up.stderr);
    const green = "\x1b[32mrunning\x1b[39m";
    const forced = await cli(["ps"], { env: { ...base, NO_COLOR: "", FORCE_COLOR: "1" } });
    assert.ok(forced.stdout.includes(green), forced.stdout);
    const flag = await cli(["ps", "--no-color"], {
      env: { ...base, NO_COLOR: "", FORCE_COLOR: "1" },
    });
    assert.equal(flag.stdout.includes("\x1b["), false);
    const noColor = await cli(["ps"], { env: { ...base, NO_COLOR: "1", FORCE_COLOR: "1" } });
    assert.equal(noColor.stdout.includes("\x1b["), false);
    const pipe = await cli(["ps"], { env: { ...base, NO_COLOR: "" } });
    assert.equal(pipe.stdout.includes("\x1b["), false); // not a terminal
  } finally {
    await o.stop();
  }
});

Deno.test("cli: tables fit COLUMNS; history shows data as key=value", async () => {
  const o = await startOrchestrator();
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    await cli(["ps"], { env });
    const wide = await cli(["history", "--limit", "5", "--category", "command"], { env });
    assert.match(
      wide.stdout,
      /COMMAND_EXECUTED\s+-\s+command=ps args=\[\] user=\S+ result=success/,
    );
    const narrow = await cli(["history", "--limit", "5"], { env: { ...env, COLUMNS: "60" } });
    assert.equal(narrow.code, 0, narrow.stderr);
    for (const line of lines(narrow.stdout)) assert.ok(line.length <= 60, line);
    assert.ok(narrow.stdout.includes("…"), narrow.stdout);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: --json is one line for every command", async () => {
  const o = await startOrchestrator();
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const runs = await Promise.all([
      ["ps"],
      ["status"],
      ["status", "web"],
      ["stats"],
      ["history", "--limit", "3"],
      ["report"],
      ["logs", "web"],
      ["validate", o.config],
    ].map((args) => cli([...args, "--json"], { env })));
    for (const r of runs) {
      assert.equal(lines(r.stdout).length, 1, r.stdout);
      JSON.parse(r.stdout);
    }
  } finally {
    await o.stop();
  }
});
