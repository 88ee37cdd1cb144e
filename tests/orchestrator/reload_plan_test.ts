/**
 * The pure difference of a reload (lib/orchestrator/reload_plan.ts): which
 * agents are added, removed, changed or updated in place, which options
 * apply live, and which changed agents are restarted.
 */

import assert from "node:assert/strict";
import { type AgentInput, type ConfigInput, withDefaults } from "../../lib/config/defaults.ts";
import {
  agentChanges,
  effectiveConfig,
  inPlace,
  planReload,
  sameJson,
  toRestart,
} from "../../lib/orchestrator/reload_plan.ts";

function agent(name: string, extra: Partial<AgentInput> = {}): AgentInput {
  return { name, tool_call_template: { command: "sleep", args: ["30"] }, ...extra };
}

function config(agents: AgentInput[], extra: ConfigInput = {}) {
  return withDefaults({ ...extra, agents });
}

Deno.test("planReload: the same config is no change at all", () => {
  const a = config([agent("web"), agent("db", { depends_on: {} })]);
  const b = config([agent("web"), agent("db")]);
  assert.deepEqual(planReload(a, b), {
    added: [],
    removed: [],
    changed: [],
    updated_in_place: [],
    unchanged: 2,
    fields: {},
    options_applied: [],
    needs_restart: [],
  });
});

Deno.test("planReload: added in the new order, removed in the old order, changed and updated in place with their fields", () => {
  const before = config([agent("gone1"), agent("web"), agent("db"), agent("gone2"), agent("same")]);
  const after = config([
    agent("new1"),
    agent("same"),
    agent("db", { description: "the database", stop_timeout: 3 }),
    agent("web", { tool_call_template: { command: "sleep", args: ["31"] }, restart: "always" }),
    agent("new2"),
  ]);
  const plan = planReload(before, after);
  assert.deepEqual(plan.added, ["new1", "new2"]);
  assert.deepEqual(plan.removed, ["gone1", "gone2"]);
  assert.deepEqual(plan.changed, ["web"]);
  assert.deepEqual(plan.updated_in_place, ["db"]);
  assert.equal(plan.unchanged, 1);
  assert.deepEqual(plan.fields, {
    web: ["tool_call_template.args", "restart"],
    db: ["description", "stop_timeout"],
  });
});

Deno.test("planReload: readiness timing is in place, the kind of probe needs a new process", () => {
  const probe = { log_pattern: "up", period: 1 };
  const before = config([
    agent("a", { readiness: probe }),
    agent("b", { readiness: probe }),
    agent("c"),
  ]);
  const after = config([
    agent("a", { readiness: { ...probe, period: 5, failure_threshold: 3 } }),
    agent("b", { readiness: { log_pattern: "listening" } }),
    agent("c", { readiness: probe }),
  ]);
  const plan = planReload(before, after);
  assert.deepEqual(plan.updated_in_place, ["a"]);
  assert.deepEqual(plan.changed, ["b", "c"]);
  assert.deepEqual(plan.fields.a, ["readiness.period", "readiness.failure_threshold"]);
  assert.deepEqual(plan.fields.b, ["readiness.log_pattern"]);
  assert.deepEqual(plan.fields.c, ["readiness"]);
});

Deno.test("planReload: every field of the tool, values and kind need a new process; the orchestration fields do not", () => {
  for (const path of ["kind", "values", "tool_call_template.environment", "readiness.tcp"]) {
    assert.equal(inPlace(path), false, path);
  }
  for (
    const path of [
      "description",
      "group",
      "autostart",
      "depends_on",
      "restart",
      "max_restarts",
      "restart_window",
      "backoff.initial",
      "success_exit_codes",
      "stop_signal",
      "stop_timeout",
      "readiness.initial_delay",
      "readiness.timeout",
    ]
  ) assert.equal(inPlace(path), true, path);
});

Deno.test("planReload: options in LIVE_OPTIONS apply, the others (and any unknown one) need a restart", () => {
  const before = config([agent("a")]);
  const after = config([agent("a")], {
    max_workers: 3,
    command_timeout: 5,
    blocked_commands: ["shutdown"],
    command_socket_path: "/tmp/other.sock",
    event_store_path: "/tmp/e.db",
    log_dir: "/tmp/logs",
  });
  (after as unknown as Record<string, unknown>).option_of_the_future = 1;
  const plan = planReload(before, after);
  assert.deepEqual(plan.options_applied, ["command_timeout", "blocked_commands", "max_workers"]);
  assert.deepEqual(plan.needs_restart, [
    "command_socket_path",
    "event_store_path",
    "log_dir",
    "option_of_the_future",
  ]);
  const effective = effectiveConfig(before, after, plan.needs_restart);
  assert.equal(effective.max_workers, 3);
  assert.equal(effective.command_socket_path, before.command_socket_path);
  assert.equal(effective.event_store_path, null);
  assert.equal(effective.log_dir, null);
  assert.equal(Object.hasOwn(effective, "option_of_the_future"), false);
});

Deno.test("planReload: a new shutdown_timeout updates in place the agents that take their stop_timeout from it", () => {
  const before = config([agent("a"), agent("b", { stop_timeout: 2 })]);
  const after = config([agent("a"), agent("b", { stop_timeout: 2 })], { shutdown_timeout: 20 });
  const plan = planReload(before, after);
  assert.deepEqual(plan.options_applied, ["shutdown_timeout"]);
  assert.deepEqual(plan.updated_in_place, ["a"]);
  assert.deepEqual(plan.fields.a, ["stop_timeout"]);
  assert.equal(plan.unchanged, 1);
});

Deno.test("toRestart: changed agents with a process are restarted; queued, backing-off and settled ones are not", () => {
  const states: Record<string, string> = {
    a: "running",
    b: "ready",
    c: "starting",
    d: "paused",
    e: "pending",
    f: "backoff",
    g: "stopped",
    h: "completed",
    i: "stopping",
  };
  const restart = toRestart(
    { changed: Object.keys(states) },
    (name) => states[name] as never,
  );
  assert.deepEqual(restart, ["a", "b", "c", "d"]);
});

Deno.test("agentChanges and sameJson: object keys in any order are equal, array order is not", () => {
  assert.equal(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), true);
  assert.equal(sameJson([1, 2], [2, 1]), false);
  assert.equal(sameJson({ a: undefined }, {}), false);
  const [a] = config([agent("a", { values: { x: 1, y: 2 } })]).agents;
  const [b] = config([agent("a", { values: { y: 2, x: 1 } })]).agents;
  assert.deepEqual(agentChanges(a, b), []);
});
