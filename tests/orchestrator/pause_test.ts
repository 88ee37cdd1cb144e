/**
 * Pause and resume through the one transition function: back to the state
 * the agent was paused in, readiness kept across a pause, and refused moves
 * that write and record nothing. Real processes.
 */

import assert from "node:assert/strict";
import { harness, ManualClock, sh, until } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (
  const [kind, readiness] of [
    ["log_pattern", (_dir: string) => ({ log_pattern: "^up$" })],
    ["exec", (dir: string) => ({ exec: ["test", "-e", `${dir}/up`], period: 0.05 })],
  ] as const
) {
  Deno.test(`pause: paused -> starting on resume, then starting -> ready when the ${kind} probe passes`, async () => {
    const h = await harness((dir) => ({
      agents: [{
        name: "s",
        readiness: readiness(dir),
        tool_call_template: sh(`sleep 0.4; echo up; touch ${dir}/up; exec sleep 30`),
        stop_timeout: 1,
      }],
    }));
    try {
      assert.equal(h.orchestrator.status("s").state, "starting");
      assert.equal((await h.orchestrator.pause("s")).state, "paused");
      await sleep(700);
      assert.equal(h.orchestrator.status("s").state, "paused", "a stopped process never gets up");
      assert.deepEqual(h.events("AGENT_READY", "s"), []);
      assert.equal((await h.orchestrator.resume("s")).state, "starting");
      const ready = await h.orchestrator.waitFor("s", ["ready"]);
      assert.equal(ready.state, "ready");
      assert.deepEqual(
        h.events(undefined, "s").map((e) => e.event_name),
        ["AGENT_STARTED", "AGENT_PAUSED", "AGENT_RESUMED", "AGENT_READY"],
      );
      const event = h.events("AGENT_READY", "s")[0];
      assert.equal(event.data.from, "starting");
      assert.equal(
        event.data.reason,
        kind === "exec" ? "exec probe passed" : "log_pattern matched",
      );
    } finally {
      await h.close();
    }
  });
}

Deno.test("pause: a probe that passed while paused in starting makes resume ready (RESUMED, then READY)", async () => {
  // The line comes from a grandchild in a session of its own, which SIGSTOP
  // to the agent's group does not stop: the pattern matches while paused.
  const h = await harness((dir) => ({
    agents: [{
      name: "s",
      readiness: { log_pattern: "^up$" },
      tool_call_template: sh(
        `setsid sh -c 'touch ${dir}/escaped; sleep 0.3; echo up' & exec sleep 30`,
      ),
      stop_timeout: 1,
    }],
  }));
  try {
    await until("the grandchild in its own session", () => {
      try {
        Deno.statSync(`${h.dir}/escaped`);
        return true;
      } catch {
        return false;
      }
    });
    await h.orchestrator.pause("s");
    const before = h.orchestrator.status("s").last_heartbeat;
    await until("the match while paused", () => {
      return h.orchestrator.status("s").last_heartbeat !== before;
    });
    assert.equal(h.orchestrator.status("s").state, "paused");
    assert.deepEqual(h.events("AGENT_READY", "s"), [], "nothing recorded while paused");
    const resumed = await h.orchestrator.resume("s");
    assert.equal(resumed.state, "ready");
    assert.equal(resumed.reason, "log_pattern matched while paused");
    const events = h.events(undefined, "s");
    assert.deepEqual(
      events.map((e) => e.event_name),
      ["AGENT_STARTED", "AGENT_PAUSED", "AGENT_RESUMED", "AGENT_READY"],
    );
    assert.deepEqual(
      events.slice(2).map((e) => [e.data.from, e.data.to]),
      [["paused", "starting"], ["starting", "ready"]],
    );
    assert.equal(events[3].data.line, "up");
  } finally {
    await h.close();
  }
});

Deno.test("pause: moves the state table refuses answer 409 and write or record nothing", async () => {
  const h = await harness(() => ({
    agents: [
      { name: "svc", tool_call_template: { command: "sleep", args: ["30"] }, stop_timeout: 1 },
      { name: "idle", autostart: false, tool_call_template: { command: "true" } },
    ],
  }), { clock: new ManualClock() });
  const o = h.orchestrator;
  try {
    await o.waitFor("svc", ["running"]);
    const refused = async (what: string, attempt: () => Promise<unknown>) => {
      const version = o.version;
      const events = h.events().length;
      const before = o.statusAll();
      await assert.rejects(attempt(), { code: 409 }, what);
      assert.equal(o.version, version, `${what}: version unchanged`);
      assert.equal(h.events().length, events, `${what}: nothing recorded`);
      assert.deepEqual(o.statusAll(), before, `${what}: nothing written`);
    };
    await refused("resume running", () => o.resume("svc"));
    await refused("start running with other inputs", () => o.start("svc", { x: "1" }));
    await refused("call a service", () => o.call("svc"));
    await refused("pause stopped", () => o.pause("idle"));
    await refused("resume stopped", () => o.resume("idle"));
    await refused("signal stopped", () => Promise.try(() => o.signal("idle", "SIGHUP")));
    await o.pause("svc");
    await refused("pause paused", () => o.pause("svc"));
  } finally {
    await h.close();
  }
});
