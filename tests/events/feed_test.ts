import assert from "node:assert/strict";
import { filterEventNames, passesFilter, planAfter } from "../../lib/events/feed.ts";
import { EventStore } from "../../lib/events/store.ts";
import type { OrchestratorEvent } from "../../lib/events/event.ts";

const event = (over: Partial<OrchestratorEvent>): OrchestratorEvent => ({
  id: 1,
  event_name: "AGENT_READY",
  category: "agent",
  agent_name: "web",
  timestamp: "2025-07-27T10:30:00.000Z",
  data: {},
  ...over,
});

Deno.test("feed: filters pass an event only when every field given passes", () => {
  assert.equal(passesFilter({}, event({})), true);
  assert.equal(passesFilter({ categories: ["agent"], agents: ["web"] }, event({})), true);
  assert.equal(passesFilter({ categories: ["system"] }, event({})), false);
  assert.equal(passesFilter({ events: ["AGENT_FAILED"] }, event({})), false);
  assert.equal(passesFilter({ agents: ["db"] }, event({})), false);
  assert.equal(passesFilter({ agents: ["web"] }, event({ agent_name: null })), false);
  assert.equal(passesFilter({ categories: [] }, event({})), false);
  assert.equal(passesFilter({ categories: null, agents: null, events: null }, event({})), true);
});

Deno.test("feed: event names of a filter, and the SQL of after", () => {
  assert.equal(filterEventNames({}), null);
  assert.deepEqual(filterEventNames({ categories: ["system"] }), [
    "ORCHESTRATOR_STARTED",
    "ORCHESTRATOR_SHUTDOWN",
    "CONFIG_RELOADED",
  ]);
  assert.deepEqual(filterEventNames({ categories: ["system"], events: ["AGENT_READY"] }), []);
  assert.equal(planAfter({ events: [] }, 0, 10, "id"), null);
  assert.equal(planAfter({ agents: [] }, 0, 10, "id"), null);
  assert.deepEqual(planAfter({ agents: ["a", "b"], events: ["AGENT_READY"] }, 7, 10, "id"), {
    shape: "n1a2",
    sql: "SELECT id FROM events WHERE id > ? AND event_name IN (?) AND agent_name IN (?, ?) " +
      "ORDER BY id LIMIT ?",
    params: [7, "AGENT_READY", "a", "b", 10],
  });
});

Deno.test("feed: the store tells listeners at append and reads after an id, buffered events included", () => {
  using store = EventStore.open({ path: null, retention: 100, flushIntervalMs: 60_000 });
  const told: number[] = [];
  const stop = store.listen((e) => told.push(e.id));
  store.listen(() => {
    throw new Error("a failing listener breaks nothing");
  });
  assert.equal(store.lastId, 0);
  for (let i = 0; i < 8; i++) {
    store.append({
      event_name: i % 2 === 0 ? "AGENT_READY" : "COMMAND_EXECUTED",
      agent_name: "web",
    });
  }
  assert.deepEqual(told, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(store.pending, 8, "not committed yet");
  assert.deepEqual(store.after(0, {}, 3).map((e) => e.id), [1, 2, 3]);
  assert.deepEqual(store.after(2, { categories: ["agent"] }, 10).map((e) => e.id), [3, 5, 7]);
  stop();
  store.append({ event_name: "AGENT_READY" });
  assert.equal(told.length, 8, "removed");
  assert.equal(store.lastId, 9);
});

Deno.test("feed: after starts at the oldest kept event once older ones are pruned", () => {
  using store = EventStore.open({ path: null, retention: 5, flushIntervalMs: 60_000 });
  for (let i = 0; i < 9; i++) store.append({ event_name: "AGENT_READY" });
  assert.deepEqual(store.after(0, {}, 10).map((e) => e.id), [5, 6, 7, 8, 9]);
  assert.equal(store.oldestId, 5);
});
