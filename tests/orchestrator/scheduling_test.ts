import assert from "node:assert/strict";
import type { AgentInput } from "../../lib/config/defaults.ts";
import { harness, sh } from "./_helpers.ts";

Deno.test("dependencies: start in dependency order, stop in reverse", async () => {
  const h = await harness(() => ({
    agents: <AgentInput[]> [
      {
        name: "web",
        depends_on: { api: "ready" },
        tool_call_template: { command: "sleep", args: ["30"] },
      },
      {
        name: "api",
        depends_on: { db: "ready", migrate: "completed_successfully" },
        tool_call_template: { command: "sleep", args: ["30"] },
      },
      {
        name: "migrate",
        kind: "task",
        depends_on: { db: "started" },
        tool_call_template: { command: "sleep", args: ["0.1"] },
      },
      {
        name: "db",
        readiness: { log_pattern: "accepting connections" },
        tool_call_template: sh("sleep 0.1; echo db accepting connections; exec sleep 30"),
      },
    ],
  }));
  try {
    await h.orchestrator.waitFor("web", ["running"]);
    const order = h.events().filter((e) =>
      e.event_name === "AGENT_STARTED" || e.event_name === "AGENT_READY" ||
      e.event_name === "AGENT_COMPLETED"
    ).map((e) => `${e.event_name.slice(6)} ${e.agent_name}`);
    const at = (entry: string) => {
      const i = order.indexOf(entry);
      assert.ok(i >= 0, `${entry} in ${order.join(", ")}`);
      return i;
    };
    assert.equal(order.length, 6);
    assert.ok(at("STARTED db") < at("STARTED migrate"), "migrate waits for db started");
    assert.ok(at("READY db") < at("STARTED api"), "api waits for db ready");
    assert.ok(at("COMPLETED migrate") < at("STARTED api"), "api waits for migrate");
    assert.ok(at("STARTED api") < at("STARTED web"), "web waits for api");
    await h.orchestrator.shutdown("test");
    const stops = h.events("AGENT_STOPPED").map((e) => e.agent_name);
    assert.deepEqual(stops, ["web", "api", "db"]);
  } finally {
    await h.close();
  }
});

Deno.test("dependencies: a fatal dependency fails its dependents with a reason", async () => {
  const h = await harness(() => ({
    agents: <AgentInput[]> [
      {
        name: "web",
        depends_on: { api: "started" },
        tool_call_template: { command: "sleep", args: ["30"] },
      },
      {
        name: "api",
        depends_on: { db: "ready" },
        tool_call_template: { command: "sleep", args: ["30"] },
      },
      {
        name: "db",
        max_restarts: 1,
        backoff: { initial: 0 },
        readiness: { log_pattern: "never printed" },
        tool_call_template: sh("exit 2"),
      },
    ],
  }));
  try {
    const web = await h.orchestrator.waitFor("web", ["failed"]);
    assert.equal(h.orchestrator.status("db").state, "fatal");
    const api = h.orchestrator.status("api");
    assert.equal(api.state, "failed");
    assert.equal(api.reason, 'dependency "db" is fatal');
    assert.equal(web.reason, 'dependency "api" is failed');
    assert.equal(
      h.events("AGENT_STARTED", "api").length,
      0,
      "nothing waits forever, nothing spawned",
    );
  } finally {
    await h.close();
  }
});

Deno.test("dependencies: completed_successfully fails on a failed task", async () => {
  const h = await harness(() => ({
    agents: <AgentInput[]> [
      {
        name: "app",
        depends_on: { migrate: "completed_successfully" },
        tool_call_template: { command: "sleep", args: ["30"] },
      },
      { name: "migrate", kind: "task", tool_call_template: sh("exit 3") },
    ],
  }));
  try {
    const app = await h.orchestrator.waitFor("app", ["failed"]);
    assert.equal(app.reason, 'dependency "migrate" is failed');
  } finally {
    await h.close();
  }
});

Deno.test("dependencies: starting an agent starts its stopped dependencies", async () => {
  const h = await harness(() => ({
    agents: <AgentInput[]> [
      {
        name: "app",
        autostart: false,
        depends_on: { db: "started" },
        tool_call_template: { command: "sleep", args: ["30"] },
      },
      { name: "db", autostart: false, tool_call_template: { command: "sleep", args: ["30"] } },
    ],
  }));
  try {
    assert.deepEqual(h.orchestrator.list().map((a) => a.state), ["stopped", "stopped"]);
    await h.orchestrator.start("app");
    await h.orchestrator.waitFor("app", ["running"]);
    assert.equal(h.orchestrator.status("db").state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("max_workers: the rest wait pending, in config order, and start as slots free", async () => {
  const h = await harness(() => ({
    max_workers: 2,
    agents: ["t1", "t2", "t3", "t4", "t5"].map((name) => ({
      name,
      kind: "task" as const,
      tool_call_template: { command: "sleep", args: ["0.15"] },
    })),
  }));
  try {
    const states = h.orchestrator.list().map((a) => a.state);
    assert.deepEqual(states, ["running", "running", "pending", "pending", "pending"]);
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, h.orchestrator.stats().running);
    }, 5);
    await h.orchestrator.waitFor("t5", ["completed"]);
    clearInterval(sampler);
    assert.ok(most <= 2, `at most 2 at once, saw ${most}`);
    const starts = h.events("AGENT_STARTED").map((e) => e.agent_name);
    assert.deepEqual(starts, ["t1", "t2", "t3", "t4", "t5"]);
  } finally {
    await h.close();
  }
});
