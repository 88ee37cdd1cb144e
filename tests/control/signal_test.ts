/**
 * `signal <agent> <signal>` over a real socket: the signal reaches every
 * process of the agent's group (an agent that traps it writes a file),
 * the state stays, and the command is audited and recorded like any other.
 */

import assert from "node:assert/strict";
import { CONTROL_COMMANDS, resolveAllowed } from "../../lib/protocol/commands.ts";
import { auditLines, RawConn, startHarness, until } from "./_helpers.ts";

/** A leader and a background child, each trapping HUP (and the leader USR1) into `$F`. */
const TRAPPER = [
  `trap 'echo leader-HUP >> "$F"' HUP`,
  `trap 'echo leader-USR1 >> "$F"' USR1`,
  `sh -c 'trap "echo child-HUP >> \\"\\$F\\"" HUP; echo up; while :; do sleep 0.05; done' &`,
  "while :; do sleep 0.05; done",
].join("\n");

async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l !== "").sort();
}

Deno.test("signal: reaches the agent's whole process group; the state and pid stay", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "oc" });
  const file = `${dir}/signals.txt`;
  const h = await startHarness({
    agents: [{
      name: "trap",
      readiness: { log_pattern: "up" },
      stop_timeout: 1,
      tool_call_template: { command: "sh", args: ["-c", TRAPPER], environment: { F: file } },
    }],
  }, dir);
  const c = await RawConn.open(h.socket);
  try {
    const ready = await h.orchestrator.waitFor("trap", ["ready"]);
    await c.send({ command: "signal", args: ["trap", "HUP"], id: 1 });
    const answer = await c.receive() as { status: string; data: Record<string, unknown> };
    assert.equal(answer.status, "success");
    assert.equal(answer.data.signal, "SIGHUP");
    assert.equal(answer.data.state, "ready");
    assert.equal(answer.data.pid, ready.pid);
    await until(async () => (await lines(file)).length === 2);
    assert.deepEqual(await lines(file), ["child-HUP", "leader-HUP"]);

    for (const [id, text] of [[2, "usr1"], [3, "10"], [4, "SIGUSR1"]] as const) {
      await c.send({ command: "signal", args: ["trap", text], id });
      const r = await c.receive() as { status: string; data: { signal: string } };
      assert.equal(r.data.signal, "SIGUSR1", text);
      await until(async () => (await lines(file)).length === id + 1);
    }
    assert.equal(h.orchestrator.status("trap").state, "ready");
    assert.equal(h.orchestrator.status("trap").pid, ready.pid);
    const transitions = h.store.query({ category: "agent", agent: "trap", limit: 10 });
    assert.deepEqual(transitions.map((e) => e.event_name), ["AGENT_READY", "AGENT_STARTED"]);

    const recorded = h.store.query({ event: "COMMAND_EXECUTED", agent: "trap", limit: 10 });
    assert.deepEqual(recorded.at(-1)!.data.args, ["trap", "HUP"]);
    assert.equal(recorded.at(-1)!.data.result, "success");
    const audit = await auditLines(h.config.cli_audit_log_path!);
    assert.match(audit[0], / command=signal agent=trap result=success code=200 /);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("signal: 409 without a live process, 400 for a bad signal, 404 for an unknown agent", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  const ask = async (args: unknown, options?: Record<string, unknown>) => {
    await c.send({ command: "signal", args, ...(options === undefined ? {} : { options }) });
    return await c.receive() as { status: string; code?: number; error?: string };
  };
  try {
    assert.deepEqual(await ask(["job", "HUP"]), {
      status: "error",
      code: 409,
      error: 'Cannot signal agent "job": no live process (state is "stopped")',
    });
    const bad = "X".repeat(100);
    for (
      const [args, error] of [
        [["web"], "Command 'signal' needs an agent name and a signal"],
        [["web", "HUP", "extra"], "Command 'signal' needs an agent name and a signal"],
        [["", "HUP"], "Command 'signal' needs an agent name and a signal"],
        [
          ["web", "FOO"],
          'Unknown signal "FOO": give a name (HUP, SIGHUP) or a number from 1 to 31',
        ],
        [["web", "0"], 'Unknown signal "0": give a name (HUP, SIGHUP) or a number from 1 to 31'],
        [["web", "32"], 'Unknown signal "32": give a name (HUP, SIGHUP) or a number from 1 to 31'],
        [
          ["web", bad],
          `Unknown signal "${"X".repeat(32)}…": give a name (HUP, SIGHUP) or a number from 1 to 31`,
        ],
        [["web", "STOP"], `Signal "SIGSTOP" is not sent by 'signal': use 'pause' and 'resume'`],
        [["web", "18"], `Signal "SIGCONT" is not sent by 'signal': use 'pause' and 'resume'`],
      ] as const
    ) {
      assert.deepEqual(await ask(args), { status: "error", code: 400, error }, String(args));
    }
    assert.equal((await ask(["web", "HUP"], { now: true })).code, 400);
    assert.equal((await ask(["ghost", "HUP"])).code, 404);
    assert.equal(h.orchestrator.status("web").state, "running", "none of it reached web");
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("signal: in the control preset, not in monitoring", async () => {
  assert.ok(resolveAllowed("control", []).has("signal"));
  assert.ok(resolveAllowed("all", []).has("signal"));
  assert.ok(CONTROL_COMMANDS.includes("signal"), "a world-writable socket is an error with it");
  const h = await startHarness({ allowed_commands: "monitoring" });
  const c = await RawConn.open(h.socket);
  try {
    await c.send({ command: "signal", args: ["web", "HUP"] });
    assert.deepEqual(await c.receive(), {
      status: "error",
      code: 403,
      error: "Command 'signal' not allowed",
    });
    const rejected = h.store.query({ event: "COMMAND_REJECTED", limit: 10 });
    assert.deepEqual(rejected.map((e) => e.data.command), ["signal"]);
  } finally {
    c.close();
    await h.close();
  }
});
