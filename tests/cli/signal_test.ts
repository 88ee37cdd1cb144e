/**
 * `orchestrator signal TARGET… SIGNAL` and the "already" answers of
 * `start`/`stop` through a real `orchestrator run`.
 */

import assert from "node:assert/strict";
import { cli, startOrchestrator } from "./_orchestrator.ts";

/** A service that writes `<name>-<signal>` into `$F` for HUP and USR1. */
function trapper(name: string, file: string) {
  const script = `trap 'echo ${name}-HUP >> "$F"' HUP; trap 'echo ${name}-USR1 >> "$F"' USR1; ` +
    "echo up; while :; do sleep 0.05; done";
  return {
    name,
    readiness: { log_pattern: "up" },
    stop_timeout: 1,
    tool_call_template: {
      call_template_type: "cli",
      command: "sh",
      args: ["-c", script],
      environment: { F: file },
    },
  };
}

async function fileLines(path: string, count: number): Promise<string[]> {
  const end = Date.now() + 5_000;
  for (;;) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const lines = text.split("\n").filter((l) => l !== "").sort();
    if (lines.length >= count || Date.now() > end) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("cli: signal sends to one agent, to several, and refuses bad signals before sending", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "oe" });
  const file = `${dir}/signals.txt`;
  const o = await startOrchestrator({
    agents: [trapper("web-1", file), trapper("web-2", file), {
      name: "job",
      kind: "task",
      autostart: false,
      tool_call_template: { call_template_type: "cli", command: "true" },
    }],
  }, dir);
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    assert.equal((await cli(["status", "--wait", "--timeout", "20"], { env })).code, 0);
    const one = await cli(["signal", "web-1", "HUP"], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^Sent SIGHUP to agent "web-1" \(ready, pid \d+\)\n$/);
    assert.deepEqual(await fileLines(file, 1), ["web-1-HUP"]);

    const several = await cli(["signal", "web-*", "usr1"], { env });
    assert.equal(several.code, 0, several.stderr);
    assert.equal(
      several.stdout.replace(/, pid \d+/g, ""),
      [
        'Sent SIGUSR1 to agent "web-1" (ready)',
        'Sent SIGUSR1 to agent "web-2" (ready)',
        "",
      ].join("\n"),
    );
    assert.deepEqual(await fileLines(file, 3), ["web-1-HUP", "web-1-USR1", "web-2-USR1"]);

    const json = await cli(["signal", "web-2", "1", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).data.signal, "SIGHUP");

    const stopped = await cli(["signal", "job", "HUP"], { env });
    assert.equal(stopped.code, 1);
    assert.equal(
      stopped.stderr,
      'Error 409: Cannot signal agent "job": no live process (state is "stopped")\n',
    );
    const typo = await cli(["signal", "wbe-1", "HUP"], { env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /^Error 404: Unknown agent "wbe-1": did you mean "web-1"\?/);

    for (
      const [args, message] of [
        [["web-1"], /needs an agent and a signal/],
        [["web-1", "FOO"], /^Unknown signal "FOO": give a name \(HUP, SIGHUP\) or a number/],
        [["HUP", "web-1"], /^Unknown signal "web-1": the signal comes last/],
        [["web-1", "STOP"], /^Signal "SIGSTOP" is not sent by "signal": use "pause" and "resume"/],
      ] as const
    ) {
      const r = await cli(["signal", ...args], { env });
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    const help = await cli(["signal", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: orchestrator signal <target>\.\.\. <signal> \[options\]/);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: stop all succeeds when some agents already are stopped; start and stop say already", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "oe" });
  const o = await startOrchestrator({}, dir); // web (running), job (task, never started)
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    assert.equal((await cli(["status", "--wait", "--timeout", "20"], { env })).code, 0);
    const stop = await cli(["stop", "all"], { env });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, 'Agent "job" is already stopped\nAgent "web" is stopped\n');
    const start = await cli(["start", "web"], { env });
    assert.equal(start.code, 0, start.stderr);
    const again = await cli(["start", "web"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Agent "web" is already running \(pid \d+\)\n$/);
    await cli(["call", "job"], { env });
    const done = await cli(["stop", "job", "--json"], { env });
    assert.equal(done.code, 0, done.stderr);
    const data = JSON.parse(done.stdout).data;
    assert.deepEqual([data.state, data.already], ["completed", true]);
    assert.equal(
      (await cli(["stop", "job"], { env })).stdout,
      'Agent "job" is already stopped (completed)\n',
    );
  } finally {
    await o.stop();
  }
});
