/**
 * `start` of a started agent and `stop` of a stopped one succeed and change
 * nothing (`already: true`), as `systemctl start` of a running unit does;
 * `start` while stopping, or with other inputs, stays 409.
 */

import assert from "node:assert/strict";
import { sameInputs } from "../../lib/agent/inputs.ts";
import { harness, sh, until } from "./_helpers.ts";

const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  tool_call_template: { command: "sleep", args: ["30"] },
  ...extra,
});

Deno.test("already: start of a starting, running, ready, paused, queued or backing-off agent changes nothing", async () => {
  const h = await harness(() => ({
    agents: [
      sleeper("run"),
      sleeper("probe", { readiness: { log_pattern: "never printed" } }),
      sleeper("paused"),
      {
        name: "crash",
        restart: "always",
        backoff: { initial: 30 },
        tool_call_template: sh("exit 1"),
      },
      sleeper("queued", { depends_on: { probe: "ready" } }), // waits: pending
    ],
  }));
  try {
    const o = h.orchestrator;
    await o.waitFor("crash", ["backoff"]);
    await o.pause("paused");
    assert.equal(o.status("queued").state, "pending");
    for (
      const [name, state] of [
        ["run", "running"],
        ["probe", "starting"],
        ["paused", "paused"],
        ["crash", "backoff"],
        ["queued", "pending"],
      ]
    ) {
      const before = o.status(name);
      const version = o.version;
      const answer = await o.start(name);
      assert.equal(answer.already, true, name);
      assert.equal(answer.state, state, name);
      assert.equal(answer.pid, before.pid, name);
      assert.equal(o.version, version, `${name}: nothing changed`);
    }
    assert.equal(h.events("AGENT_STARTED", "run").length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("already: start of a ready agent; other inputs are 409, the same (any key order) or none are already", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "svc",
      readiness: { log_pattern: "up" },
      values: { a: "1", b: "2" },
      tool_call_template: sh("echo up; exec sleep 30"),
    }],
  }));
  try {
    const o = h.orchestrator;
    await o.waitFor("svc", ["ready"]);
    assert.equal((await o.start("svc")).already, true);
    await o.restart("svc", { a: "x", b: "y" });
    await o.waitFor("svc", ["ready"]);
    const same = await o.start("svc", { b: "y", a: "x" });
    assert.equal(same.already, true);
    assert.equal(same.state, "ready");
    await assert.rejects(o.start("svc", { a: "z", b: "y" }), {
      code: 409,
      message: 'Cannot start agent "svc" with other inputs: state is "ready" ' +
        "(restart applies new inputs)",
    });
    assert.equal((await o.start("svc")).already, true, "no inputs: whatever it runs with");
  } finally {
    await h.close();
  }
});

Deno.test("already: start while stopping stays 409", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "stubborn",
      stop_timeout: 1,
      tool_call_template: sh("trap '' TERM; echo up; while :; do sleep 0.05; done"),
      readiness: { log_pattern: "up" },
    }],
  }));
  try {
    const o = h.orchestrator;
    await o.waitFor("stubborn", ["ready"]);
    const stopping = o.stop("stubborn");
    assert.equal(o.status("stubborn").state, "stopping");
    await assert.rejects(o.start("stubborn"), {
      code: 409,
      message: 'Cannot start agent "stubborn": state is "stopping"',
    });
    const stopped = await stopping;
    assert.equal(stopped.already, false);
    assert.equal(stopped.state, "stopped");
  } finally {
    await h.close();
  }
});

Deno.test("already: stop of a stopped, completed, failed or fatal agent changes nothing", async () => {
  const h = await harness(() => ({
    agents: [
      sleeper("idle", { autostart: false }),
      { name: "done", kind: "task", tool_call_template: sh("exit 0") },
      { name: "broke", kind: "task", tool_call_template: sh("exit 3") },
      {
        name: "gaveup",
        max_restarts: 0,
        tool_call_template: sh("exit 1"),
      },
    ],
  }));
  try {
    const o = h.orchestrator;
    await until(
      "settled",
      () =>
        o.status("done").state === "completed" && o.status("broke").state === "failed" &&
        o.status("gaveup").state === "fatal",
    );
    for (
      const [name, state] of [
        ["idle", "stopped"],
        ["done", "completed"],
        ["broke", "failed"],
        ["gaveup", "fatal"],
      ]
    ) {
      const version = o.version;
      const answer = await o.stop(name);
      assert.equal(answer.already, true, name);
      assert.equal(answer.state, state, name);
      assert.equal(o.version, version, `${name}: nothing changed`);
    }
    assert.equal(h.events("AGENT_STOPPED").length, 0);
  } finally {
    await h.close();
  }
});

Deno.test("already: sameInputs compares JSON values whatever the key order", () => {
  assert.equal(
    sameInputs({ a: 1, b: { c: [1, "x"], d: null } }, { b: { d: null, c: [1, "x"] }, a: 1 }),
    true,
  );
  assert.equal(sameInputs(undefined, {}), true);
  assert.equal(sameInputs({ a: 1 }, { a: "1" }), false);
  assert.equal(sameInputs({ a: [1, 2] }, { a: [2, 1] }), false);
  assert.equal(sameInputs({ a: 1 }, { a: 1, b: 2 }), false);
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(sameInputs({ deep }, { deep }), false, "too deep to compare: different, no throw");
});
