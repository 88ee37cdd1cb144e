import assert from "node:assert/strict";
import type { OrchestratorError } from "../../lib/errors.ts";
import { alive, harness, identify, killAll, readPids, sh, survivors, until } from "./_helpers.ts";

Deno.test("ps shows the documented states: running with a pid, completed with pid null", async () => {
  const h = await harness(() => ({
    agents: [
      { name: "worker1", tool_call_template: { command: "sleep", args: ["30"] } },
      { name: "worker2", kind: "task", tool_call_template: sh("exit 0") },
    ],
  }));
  try {
    await h.orchestrator.waitFor("worker2", ["completed"]);
    const ps = h.orchestrator.list().map(({ name, state, pid }) => ({ name, state, pid }));
    assert.equal(ps[0].state, "running");
    assert.equal(typeof ps[0].pid, "number");
    assert.ok(alive(ps[0].pid!));
    assert.deepEqual(ps[1], { name: "worker2", state: "completed", pid: null });
    const stats = h.orchestrator.stats();
    assert.equal(stats.total_agents, 2);
    assert.equal(stats.running, 1);
    assert.equal(stats.completed, 1);
    assert.equal(h.orchestrator.status("worker1").last_heartbeat !== null, true);
  } finally {
    await h.close();
  }
});

Deno.test("restart policy: crash loop honours the backoff, then backoff -> fatal", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "crash",
      max_restarts: 3,
      backoff: { initial: 0.1, factor: 2, max: 10, reset_after: 60 },
      tool_call_template: sh("exit 1"),
    }],
  }));
  try {
    await h.orchestrator.waitFor("crash", ["fatal"]);
    const starts = h.events("AGENT_STARTED", "crash").map((e) => Date.parse(e.timestamp));
    assert.equal(starts.length, 4, "first run + 3 restarts");
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // Delays 0.1, 0.2, 0.4 s: each gap is at least its delay.
    assert.ok(gaps[0] >= 100, `gap 1 = ${gaps[0]} ms`);
    assert.ok(gaps[1] >= 200, `gap 2 = ${gaps[1]} ms`);
    assert.ok(gaps[2] >= 400, `gap 3 = ${gaps[2]} ms`);
    const restarting = h.events("AGENT_RESTARTING", "crash").map((e) => e.data.delay_seconds);
    assert.deepEqual(restarting, [0.1, 0.2, 0.4]);
    const fatal = h.events("AGENT_FATAL", "crash");
    assert.equal(fatal.length, 1);
    assert.match(String(fatal[0].data.reason), /restarted 3 times within 60 s/);
    assert.equal(h.orchestrator.status("crash").restarts, 3);
  } finally {
    await h.close();
  }
});

Deno.test("restart policy: a stop someone asked for is never restarted", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "svc",
      restart: "always",
      tool_call_template: { command: "sleep", args: ["30"] },
    }],
  }));
  try {
    const status = await h.orchestrator.stop("svc");
    assert.equal(status.state, "stopped");
    assert.equal(status.pid, null);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.orchestrator.status("svc").state, "stopped");
    assert.equal(h.events("AGENT_STARTED", "svc").length, 1);
    const already = await h.orchestrator.stop("svc");
    assert.equal(already.already, true);
    assert.equal(already.state, "stopped");
    assert.equal(status.already, false);
    const again = await h.orchestrator.start("svc");
    assert.equal(again.state, "running");
    assert.equal(again.already, false);
  } finally {
    await h.close();
  }
});

Deno.test("stopping an agent kills its grandchildren, SIGKILL after stop_timeout", async () => {
  const h = await harness((dir) => ({
    agents: [{
      name: "tree",
      stop_timeout: 0.3,
      tool_call_template: sh(
        // The leader ignores SIGTERM; children and grandchildren sleep.
        `trap '' TERM; echo $$ >> ${dir}/pids; ` +
          `sleep 300 & echo $! >> ${dir}/pids; ` +
          `sh -c 'sleep 300 & echo $! >> ${dir}/pids; wait' & ` +
          `wait`,
      ),
    }],
  }));
  const pidFile = `${h.dir}/pids`;
  try {
    await until("3 pids", () => readPids(pidFile).length >= 3);
    const pids = identify(readPids(pidFile));
    assert.equal(pids.length, 3);
    const status = await h.orchestrator.stop("tree");
    assert.equal(status.state, "stopped");
    assert.equal(status.last_signal, "SIGKILL", "the leader ignored SIGTERM");
    await until("all gone", () => survivors(pids).length === 0, 2000);
  } finally {
    killAll(readPids(pidFile), h.dir);
    await h.close();
  }
});

Deno.test("pause freezes a counter script and resume continues it", async () => {
  const h = await harness((dir) => ({
    agents: [{
      name: "counter",
      tool_call_template: sh(
        `i=0; while true; do i=$((i+1)); echo $i > ${dir}/count.tmp; ` +
          `mv ${dir}/count.tmp ${dir}/count; sleep 0.02; done`,
      ),
    }],
  }));
  const count = () => {
    try {
      return Number(Deno.readTextFileSync(`${h.dir}/count`));
    } catch {
      return 0;
    }
  };
  try {
    await until("counting", () => count() > 2);
    const paused = await h.orchestrator.pause("counter");
    assert.equal(paused.state, "paused");
    await new Promise((r) => setTimeout(r, 50));
    const frozen = count();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(count(), frozen, "no progress while paused");
    await assert.rejects(h.orchestrator.pause("counter"), (e: OrchestratorError) => e.code === 409);
    const resumed = await h.orchestrator.resume("counter");
    assert.equal(resumed.state, "running");
    await until("counting again", () => count() > frozen + 2);
    assert.equal(h.events("AGENT_PAUSED", "counter").length, 1);
    assert.equal(h.events("AGENT_RESUMED", "counter").length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("a paused agent still stops (stop_signal + SIGCONT)", async () => {
  const h = await harness(() => ({
    agents: [{ name: "p", tool_call_template: { command: "sleep", args: ["30"] } }],
  }));
  try {
    await h.orchestrator.pause("p");
    const s = await h.orchestrator.stop("p");
    assert.equal(s.state, "stopped");
    assert.equal(s.last_signal, "SIGTERM");
  } finally {
    await h.close();
  }
});

Deno.test("task timeout kills the tree and reports it", async () => {
  const h = await harness((dir) => ({
    agents: [{
      name: "slow",
      kind: "task",
      autostart: false,
      tool_call_template: sh(
        `echo started; sleep 300 & echo $! >> ${dir}/pids; echo $$ >> ${dir}/pids; wait`,
        { timeout: 0.3 },
      ),
    }],
  }));
  try {
    const calling = h.orchestrator.call("slow");
    await until("2 pids", () => readPids(`${h.dir}/pids`).length >= 2);
    const pids = identify(readPids(`${h.dir}/pids`));
    assert.equal(pids.length, 2);
    const result = await calling;
    assert.equal(result.timed_out, true);
    assert.equal(result.return_code, null);
    assert.equal(result.stdout, "started\n");
    const status = h.orchestrator.status("slow");
    assert.equal(status.state, "failed");
    assert.match(status.reason ?? "", /timed out after 0.3 s/);
    await until("tree gone", () => survivors(pids).length === 0, 2000);
  } finally {
    killAll(readPids(`${h.dir}/pids`), h.dir);
    await h.close();
  }
});

Deno.test("call returns the UTCP result; 409 for a service, 400 for bad inputs", async () => {
  const h = await harness(() => ({
    agents: [
      {
        name: "greet",
        kind: "task",
        autostart: false,
        inputs: {
          type: "object",
          properties: { who: { type: "string", pattern: "^[a-z]+$" } },
          required: ["who"],
        },
        values: { who: "world" },
        tool_call_template: {
          command: "sh",
          args: ["-c", 'echo "hi $1"; echo e >&2; exit 4', "x", "${who}"],
        },
      },
      { name: "svc", tool_call_template: { command: "sleep", args: ["30"] } },
    ],
  }));
  try {
    const r = await h.orchestrator.call("greet", { who: "ada" });
    assert.equal(r.stdout, "hi ada\n");
    assert.equal(r.stderr, "e\n");
    assert.equal(r.return_code, 4);
    assert.equal(r.timed_out, false);
    assert.ok(r.execution_time >= 0);
    const d = await h.orchestrator.call("greet");
    assert.equal(d.stdout, "hi world\n", "values are the defaults");
    await assert.rejects(
      h.orchestrator.call("greet", { who: "Robert'); DROP" }),
      (e: OrchestratorError) => e.code === 400 && /must match pattern/.test(e.message),
    );
    await assert.rejects(h.orchestrator.call("svc"), (e: OrchestratorError) => e.code === 409);
    await assert.rejects(h.orchestrator.call("nope"), (e: OrchestratorError) => e.code === 404);
    assert.deepEqual(h.orchestrator.logs("greet", 1).stdout, ["hi world"]);
  } finally {
    await h.close();
  }
});

Deno.test("a call while the task runs is refused with 409", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "t",
      kind: "task",
      autostart: false,
      tool_call_template: { command: "sleep", args: ["0.3"] },
    }],
  }));
  try {
    const first = h.orchestrator.call("t");
    await assert.rejects(h.orchestrator.call("t"), (e: OrchestratorError) => e.code === 409);
    assert.equal((await first).return_code, 0);
  } finally {
    await h.close();
  }
});

Deno.test("a call whose task is stopped while queued is refused with 409; a bad value with 400", async () => {
  const h = await harness(() => ({
    max_workers: 1,
    agents: [
      { name: "svc", tool_call_template: { command: "sleep", args: ["30"] }, stop_timeout: 1 },
      { name: "t", kind: "task", autostart: false, tool_call_template: { command: "true" } },
      {
        name: "bad",
        kind: "task",
        autostart: false,
        tool_call_template: { command: "echo", args: ["${missing_value}"] },
      },
    ],
  }));
  try {
    await h.orchestrator.waitFor("svc", ["running"]);
    const queued = h.orchestrator.call("t");
    assert.equal(h.orchestrator.status("t").state, "pending", "no worker slot free");
    await h.orchestrator.stop("t");
    await assert.rejects(queued, {
      code: 409,
      message: 'Cannot call agent "t": stop requested',
    });
    await h.orchestrator.stop("svc");
    await assert.rejects(h.orchestrator.call("bad"), (e: OrchestratorError) => e.code === 400);
  } finally {
    await h.close();
  }
});

Deno.test("an unresolved placeholder fails the agent and spawns nothing", async () => {
  const h = await harness(() => ({
    agents: [{ name: "u", tool_call_template: { command: "echo", args: ["${MISSING_VAR_X}"] } }],
  }), { env: () => undefined });
  try {
    const s = await h.orchestrator.waitFor("u", ["failed"]);
    assert.match(s.reason ?? "", /Unresolved placeholder "\$\{MISSING_VAR_X\}"/);
    assert.equal(h.events("AGENT_STARTED", "u").length, 0);
  } finally {
    await h.close();
  }
});

Deno.test("a missing program fails the agent with a clear reason", async () => {
  const h = await harness(() => ({
    agents: [{ name: "m", restart: "no", tool_call_template: { command: "no-such-program-xyz" } }],
  }));
  try {
    const s = await h.orchestrator.waitFor("m", ["failed"]);
    assert.match(s.reason ?? "", /Cannot spawn "no-such-program-xyz"/);
  } finally {
    await h.close();
  }
});

Deno.test("shutdown stops everything and refuses later commands with 503", async () => {
  const h = await harness(() => ({
    agents: [
      { name: "a", tool_call_template: { command: "sleep", args: ["30"] } },
      { name: "b", tool_call_template: { command: "sleep", args: ["30"] } },
    ],
  }));
  const pids = identify(h.orchestrator.list().map((a) => a.pid!));
  assert.equal(pids.length, 2);
  await h.orchestrator.shutdown("test");
  assert.ok(h.orchestrator.shuttingDown);
  assert.deepEqual(h.orchestrator.list().map((a) => a.state), ["stopped", "stopped"]);
  assert.deepEqual(survivors(pids), []);
  await assert.rejects(h.orchestrator.start("a"), (e: OrchestratorError) => e.code === 503);
  assert.equal(h.events("ORCHESTRATOR_SHUTDOWN").length, 1);
  await h.orchestrator.shutdown("again");
  assert.equal(h.events("ORCHESTRATOR_SHUTDOWN").length, 1, "idempotent");
  await h.close();
});
