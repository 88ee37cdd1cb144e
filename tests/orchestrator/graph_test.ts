import assert from "node:assert/strict";
import {
  dependencyStatus,
  dependentsOf,
  type GraphNode,
  startOrder,
  stopOrder,
} from "../../lib/orchestrator/graph.ts";

const nodes: GraphNode[] = [
  { name: "web", depends_on: { api: "ready" } },
  { name: "api", depends_on: { db: "ready", migrate: "completed_successfully" } },
  { name: "migrate", depends_on: { db: "ready" } },
  { name: "db", depends_on: {} },
  { name: "cron", depends_on: {} },
];

Deno.test("startOrder: dependencies first, config order otherwise", () => {
  assert.deepEqual(startOrder(nodes), ["db", "migrate", "api", "web", "cron"]);
});

Deno.test("stopOrder: dependents first (the reverse of startOrder)", () => {
  assert.deepEqual(stopOrder(nodes), ["cron", "web", "api", "migrate", "db"]);
});

Deno.test("startOrder: a cycle does not hang and keeps every agent", () => {
  const order = startOrder([
    { name: "a", depends_on: { b: "started" } },
    { name: "b", depends_on: { a: "started" } },
    { name: "c", depends_on: { ghost: "started" } },
  ]);
  assert.deepEqual([...order].sort(), ["a", "b", "c"]);
  assert.equal(order[0], "c");
});

Deno.test("dependentsOf lists who depends on whom", () => {
  const map = dependentsOf(nodes);
  assert.deepEqual(map.get("db"), ["api", "migrate"]);
  assert.deepEqual(map.get("cron"), []);
});

Deno.test("dependencyStatus: each condition against the states", () => {
  assert.equal(dependencyStatus("started", "pending"), "waiting");
  assert.equal(dependencyStatus("started", "starting"), "satisfied");
  assert.equal(dependencyStatus("ready", "starting"), "waiting");
  assert.equal(dependencyStatus("ready", "running"), "satisfied");
  assert.equal(dependencyStatus("ready", "ready"), "satisfied");
  assert.equal(dependencyStatus("ready", "backoff"), "waiting");
  assert.equal(dependencyStatus("ready", "fatal"), "impossible");
  assert.equal(dependencyStatus("ready", "failed"), "impossible");
  assert.equal(dependencyStatus("completed", "failed"), "satisfied");
  assert.equal(dependencyStatus("completed", "running"), "waiting");
  assert.equal(dependencyStatus("completed_successfully", "completed"), "satisfied");
  assert.equal(dependencyStatus("completed_successfully", "failed"), "impossible");
  assert.equal(dependencyStatus("started", "stopped"), "impossible");
});

Deno.test("dependencyStatus: a dependency that failed before spawning satisfies nothing", () => {
  assert.equal(dependencyStatus("started", "failed", false), "impossible");
  assert.equal(dependencyStatus("completed", "failed", false), "impossible");
  assert.equal(dependencyStatus("started", "failed", true), "satisfied");
});
