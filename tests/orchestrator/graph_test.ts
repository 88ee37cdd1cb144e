import assert from "node:assert/strict";
import {
  dependencyStatus,
  dependentsOf,
  type GraphNode,
  startOrder,
  stopInOrder,
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

Deno.test("stopInOrder: dependents stop first, independent agents in parallel", async () => {
  const deps = dependentsOf(nodes);
  const log: string[] = [];
  let inFlight = 0;
  let most = 0;
  await stopInOrder(nodes.map((n) => n.name), (n) => deps.get(n) ?? [], async (n) => {
    inFlight++;
    most = Math.max(most, inFlight);
    log.push(`start ${n}`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${n}`);
    inFlight--;
  });
  const at = (e: string) => log.indexOf(e);
  assert.ok(at("end web") < at("start api"));
  assert.ok(at("end api") < at("start migrate"));
  assert.ok(at("end api") < at("start db") && at("end migrate") < at("start db"));
  assert.ok(at("start cron") < at("end web"), "cron does not wait for anything");
  assert.ok(most >= 2, "independent stops run in parallel");
});

Deno.test("stopInOrder: a cycle does not deadlock", async () => {
  const stopped: string[] = [];
  const cyc: Record<string, string[]> = { a: ["b"], b: ["a"] };
  await stopInOrder(["a", "b"], (n) => cyc[n], (n) => {
    stopped.push(n);
    return Promise.resolve();
  });
  assert.deepEqual(stopped.sort(), ["a", "b"]);
});
