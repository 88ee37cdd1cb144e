/**
 * `stop` and `restart` answer once the agent has stopped, even when its
 * `stop_timeout` is longer than `command_timeout`: bounded by the larger of
 * the two, the stop timeout plus a margin (docs/protocol.md, `stop`).
 */

import assert from "node:assert/strict";
import { STOP_MARGIN_SECONDS, timeoutOf } from "../../lib/control/commands.ts";
import type { ControlRequest } from "../../lib/control/protocol.ts";
import { withDefaults } from "../../lib/config/defaults.ts";
import { EventStore } from "../../lib/events/store.ts";
import { Orchestrator } from "../../lib/orchestrator.ts";
import { RawConn, startHarness } from "./_helpers.ts";

/** Ignores SIGTERM (the default stop_signal): only the SIGKILL after stop_timeout ends it. */
const STUBBORN = {
  name: "stubborn",
  stop_timeout: 2,
  readiness: { log_pattern: "up" },
  tool_call_template: {
    command: "sh",
    args: ["-c", "trap '' TERM; echo up; while :; do sleep 0.05; done"],
  },
};

interface Answer {
  status: string;
  code?: number;
  error?: string;
  data: { state: string; last_signal: string | null; pid: number | null; already?: boolean };
}

Deno.test("stop wait: stop_timeout 2 s over command_timeout 1 s answers success once killed, not 504", async () => {
  const h = await startHarness({ command_timeout: 1, agents: [STUBBORN] });
  const c = await RawConn.open(h.socket);
  try {
    await h.orchestrator.waitFor("stubborn", ["ready"]);
    let started = performance.now();
    await c.send({ command: "stop", args: ["stubborn"] });
    const stop = await c.receive() as unknown as Answer;
    const stopMs = performance.now() - started;
    assert.equal(stop.status, "success", stop.error);
    assert.equal(stop.data.state, "stopped");
    assert.equal(stop.data.last_signal, "SIGKILL");
    assert.equal(stop.data.already, false);
    assert.ok(stopMs >= 1_900 && stopMs < 2_000 + STOP_MARGIN_SECONDS * 1000, `${stopMs} ms`);

    await c.send({ command: "start", args: ["stubborn"] });
    assert.equal((await c.receive() as unknown as Answer).status, "success");
    await h.orchestrator.waitFor("stubborn", ["ready"]);
    const before = h.orchestrator.status("stubborn").pid;
    started = performance.now();
    await c.send({ command: "restart", args: ["stubborn"] });
    const restart = await c.receive() as unknown as Answer;
    const restartMs = performance.now() - started;
    assert.equal(restart.status, "success", restart.error);
    assert.ok(["starting", "ready"].includes(restart.data.state), restart.data.state);
    assert.notEqual(restart.data.pid, before);
    assert.ok(restartMs >= 1_900, `${restartMs} ms`);

    const results = h.store.query({ event: "COMMAND_EXECUTED", limit: 10 })
      .map((e) => `${e.data.command} ${e.data.code}`);
    assert.deepEqual(results, ["restart 200", "start 200", "stop 200"]);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("stop wait: the bound is the larger of command_timeout and stop_timeout + the margin", () => {
  const store = EventStore.open({ path: null, retention: 100 });
  const config = withDefaults({
    agents: [
      { name: "slow", stop_timeout: 100, tool_call_template: { command: "sleep" } },
      { name: "quick", stop_timeout: 1, tool_call_template: { command: "sleep" } },
    ],
  });
  const o = new Orchestrator(config, { events: store, watchdog: false });
  const req = (command: string, args: string[]) =>
    ({ command, args, options: {} }) as ControlRequest;
  try {
    assert.equal(timeoutOf(o, req("stop", ["slow"]), 30_000), (100 + STOP_MARGIN_SECONDS) * 1000);
    assert.equal(timeoutOf(o, req("restart", ["slow"]), 30_000), 105_000);
    assert.equal(timeoutOf(o, req("stop", ["quick"]), 30_000), 30_000);
    assert.equal(timeoutOf(o, req("stop", ["quick"]), 1_000), 6_000);
    assert.equal(timeoutOf(o, req("stop", ["ghost"]), 30_000), 30_000);
    assert.equal(timeoutOf(o, req("call", ["slow"]), 30_000), 30_000);
    assert.equal(timeoutOf(o, req("pause", ["slow"]), 1_000), 1_000);
  } finally {
    store.close();
  }
});
