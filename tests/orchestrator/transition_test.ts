/** Pure decisions of a state change and of an exit (no processes). */

import assert from "node:assert/strict";
import { withDefaults } from "../../lib/config/defaults.ts";
import { newAgent } from "../../lib/orchestrator/agent.ts";
import { exitOutcome } from "../../lib/orchestrator/exit.ts";
import {
  checkMove,
  transitionEvent,
  transitionLogLevel,
} from "../../lib/orchestrator/transition.ts";
import { AGENT_STATES, TRANSITIONS } from "../../lib/agent/state.ts";
import { runOf } from "./_helpers.ts";

function agentOf(extra: Record<string, unknown> = {}) {
  const config = withDefaults(
    {
      agents: [{ name: "a", tool_call_template: { command: "true" }, ...extra }],
    } as Parameters<typeof withDefaults>[0],
  );
  return newAgent(config.agents[0], 0);
}

Deno.test("transitionEvent: entering a state records its event; leaving paused is RESUMED", () => {
  assert.equal(transitionEvent("pending", "running"), "AGENT_STARTED");
  assert.equal(transitionEvent("backoff", "starting"), "AGENT_STARTED");
  assert.equal(transitionEvent("starting", "ready"), "AGENT_READY");
  assert.equal(transitionEvent("paused", "running"), "AGENT_RESUMED");
  assert.equal(transitionEvent("paused", "stopping"), undefined);
  assert.equal(transitionEvent("stopped", "pending"), undefined);
  assert.equal(transitionEvent("running", "backoff"), "AGENT_RESTARTING");
  assert.equal(transitionLogLevel("AGENT_FATAL"), "warn");
  assert.equal(transitionLogLevel("AGENT_FAILED"), "warn");
  assert.equal(transitionLogLevel("AGENT_STARTED"), "info");
  assert.equal(transitionLogLevel(undefined), "debug");
});

Deno.test("checkMove: exactly the moves in the table pass; any other is a 500 naming agent and states", () => {
  for (const from of AGENT_STATES) {
    for (const to of AGENT_STATES) {
      const allowed = (TRANSITIONS[from] as readonly string[]).includes(to);
      const error = checkMove("web", { from, to });
      if (allowed) {
        assert.equal(error, null, `${from} -> ${to} is in the table`);
        continue;
      }
      assert.equal(error?.code, 500, `${from} -> ${to} is not in the table`);
      assert.equal(
        error?.message,
        `Cannot move agent "web" from "${from}" to "${to}": not allowed`,
      );
      assert.deepEqual(error?.details, { agent: "web", from, to });
    }
  }
  assert.equal(checkMove("web", { from: "running", to: "stopped" })?.code, 500);
  assert.equal(checkMove("web", { from: "paused", to: "paused" })?.code, 500);
  assert.equal(checkMove("web", { from: "stopping", to: "running" })?.code, 500);
});

Deno.test("exitOutcome: a requested stop settles as stopped, never restarted", () => {
  const agent = agentOf({ restart: "always" });
  agent.state = "stopping";
  agent.reason = "stop requested";
  const o = exitOutcome(agent, runOf(0), { code: null, signal: "SIGTERM" }, 1000, false);
  assert.equal(o.action, "settle");
  assert.equal(o.action === "settle" && o.to, "stopped");
  assert.equal(o.reason, "stop requested");
});

Deno.test("exitOutcome: restart with the backoff delay, then fatal after max_restarts", () => {
  const agent = agentOf({
    restart: "always",
    backoff: { initial: 2, factor: 2, max: 10, reset_after: 60 },
    max_restarts: 2,
    restart_window: 60,
  });
  agent.state = "running";
  const first = exitOutcome(agent, runOf(0), { code: 1, signal: null }, 1000, false);
  assert.equal(first.action, "restart");
  if (first.action !== "restart") return;
  assert.equal(first.delaySeconds, 2);
  assert.match(first.reason, /exited with code 1; restarting in 2 s/);
  agent.attempt = first.attempt;
  agent.restartTimes = first.restartTimes;
  const second = exitOutcome(agent, runOf(1000), { code: 1, signal: null }, 2000, false);
  assert.equal(second.action === "restart" && second.delaySeconds, 4);
  if (second.action !== "restart") return;
  agent.attempt = second.attempt;
  agent.restartTimes = second.restartTimes;
  const third = exitOutcome(agent, runOf(2000), { code: 1, signal: null }, 3000, false);
  assert.equal(third.action === "settle" && third.to, "fatal");
  assert.match(third.reason, /restarted 2 times within 60 s/);
});

Deno.test("exitOutcome: during shutdown nothing restarts; a timeout counts as SIGKILL", () => {
  const agent = agentOf({ restart: "always" });
  agent.state = "running";
  const ok = exitOutcome(agent, runOf(0), { code: 0, signal: null }, 10, true);
  assert.equal(ok.action === "settle" && ok.to, "completed");
  const run = runOf(0);
  run.timedOut = true;
  const task = agentOf({
    kind: "task",
    restart: "no",
    tool_call_template: { command: "true", timeout: 1 },
  });
  task.state = "running";
  const timed = exitOutcome(task, run, { code: 0, signal: null }, 10, false);
  assert.equal(timed.action === "settle" && timed.to, "failed");
  assert.equal(timed.reason, "timed out after 1 s");
  assert.equal(timed.data.timed_out, true);
});
