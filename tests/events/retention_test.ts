/** Retention per category (`event_retention: {agent, command, system}`) and its validation. */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { EventStore } from "../../lib/events/store.ts";
import { checkRetention, oldestOfNamesSql } from "../../lib/events/retention.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { tempDir } from "./helpers.ts";
import { CAN_MOUNT, fill, mountTmpfs } from "../_tmpfs.ts";

function perCategory(store: EventStore): Record<string, number> {
  return {
    agent: store.count({ category: "agent" }),
    command: store.count({ category: "command" }),
    system: store.count({ category: "system" }),
  };
}

Deno.test("retention per category: a client polling status never pushes agent history out", () => {
  using store = EventStore.open({
    path: null,
    retention: { agent: 50, command: 20, system: 5 },
    maxBatch: 10,
  });
  store.append({ event_name: "ORCHESTRATOR_STARTED" });
  for (let i = 0; i < 30; i++) store.append({ event_name: "AGENT_READY", agent_name: "web" });
  // A sidecar polling `status`: one COMMAND_EXECUTED per request, thousands of them.
  for (let i = 0; i < 5_000; i++) {
    store.append({ event_name: "COMMAND_EXECUTED", data: { command: "status", i } });
  }
  store.flush();
  assert.deepEqual(perCategory(store), { agent: 30, command: 20, system: 1 });
  const commands = store.query({ category: "command", limit: 100 });
  assert.deepEqual(commands.map((e) => e.data.i), Array.from({ length: 20 }, (_, k) => 4999 - k));
  assert.equal(store.lastRunBoundary()?.event_name, "ORCHESTRATOR_STARTED");
  for (let i = 0; i < 200; i++) store.append({ event_name: "AGENT_FAILED", agent_name: "web" });
  store.flush();
  assert.deepEqual(perCategory(store), { agent: 50, command: 20, system: 1 });
  const agent = store.query({ category: "agent", limit: 100 });
  assert.ok(agent.every((e) => e.event_name === "AGENT_FAILED"), "the newest agent events kept");
});

Deno.test("retention per category: a missing key takes 100000; a number keeps meaning the total", () => {
  using store = EventStore.open({ path: null, retention: { command: 3 }, maxBatch: 5 });
  for (let i = 0; i < 40; i++) {
    store.append({ event_name: i % 2 === 0 ? "AGENT_READY" : "COMMAND_REJECTED" });
  }
  store.flush();
  assert.deepEqual(perCategory(store), { agent: 20, command: 3, system: 0 });
  assert.deepEqual(store.retention, { agent: 100_000, command: 3, system: 100_000 });
  using total = EventStore.open({ path: null, retention: 10, maxBatch: 5 });
  for (let i = 0; i < 40; i++) {
    total.append({ event_name: i % 2 === 0 ? "AGENT_READY" : "COMMAND_REJECTED" });
  }
  total.flush();
  assert.deepEqual(perCategory(total), { agent: 5, command: 5, system: 0 });
});

Deno.test("retention per category: a reopened file store counts what it holds; an excess goes in bounded chunks", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  {
    using big = EventStore.open({ path, retention: 100_000, maxBatch: 5000 });
    for (let i = 0; i < 6_000; i++) big.append({ event_name: "COMMAND_EXECUTED" });
    for (let i = 0; i < 300; i++) big.append({ event_name: "AGENT_STOPPED" });
  }
  using store = EventStore.open({
    path,
    retention: { agent: 1_000, command: 100, system: 10 },
    maxBatch: 10,
  });
  assert.deepEqual(perCategory(store), { agent: 300, command: 6_000, system: 0 });
  store.append({ event_name: "COMMAND_EXECUTED" });
  store.flush();
  assert.equal(
    store.count({ category: "command" }),
    6_001 - 1_000,
    "one chunk of 1,000 per commit",
  );
  for (let i = 0; i < 10; i++) {
    store.append({ event_name: "AGENT_READY" });
    store.flush();
  }
  assert.deepEqual(perCategory(store), { agent: 310, command: 100, system: 0 });
});

Deno.test({
  name:
    "retention per category: a commit that fails (full filesystem) and is retried counts its events once",
  ignore: !CAN_MOUNT,
  async fn() {
    await using fs = await mountTmpfs(512);
    if (fs === null) return;
    const store = EventStore.open({
      path: `${fs.path}/events.db`,
      retention: { agent: 10 },
      onError: () => {},
    });
    try {
      for (let i = 0; i < 5; i++) store.append({ event_name: "AGENT_READY" });
      store.flush();
      const filler = fill(fs.path);
      for (let i = 0; i < 3; i++) store.append({ event_name: "AGENT_READY", data: { i } });
      assert.throws(() => store.flush(), /Cannot write event store .*\(3 events waiting\)/);
      Deno.removeSync(filler);
      store.flush();
      // Counted once, the 8 events are within the limit of 10: none pruned.
      assert.equal(store.count({ category: "agent" }), 8);
      for (let i = 0; i < 2; i++) store.append({ event_name: "AGENT_READY" });
      store.flush();
      assert.equal(store.count({ category: "agent" }), 10);
    } finally {
      store.close();
    }
  },
});

Deno.test("retention per category: the delete walks the name index, never the table", () => {
  const db = new DatabaseSync(":memory:");
  db.exec(
    "CREATE TABLE events (id INTEGER PRIMARY KEY, event_name TEXT NOT NULL, category TEXT NOT NULL, " +
      "agent_name TEXT, timestamp TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}');" +
      "CREATE INDEX events_by_name ON events (event_name);",
  );
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${oldestOfNamesSql(2)}`)
    .all("COMMAND_EXECUTED", 5, "COMMAND_REJECTED", 5, 5) as { detail: string }[];
  const details = plan.map((row) => row.detail);
  assert.equal(details.filter((d) => /USING COVERING INDEX events_by_name/.test(d)).length, 2);
  assert.equal(details.some((d) => /^SCAN events\b(?! USING)/.test(d)), false, details.join("\n"));
  db.close();
});

Deno.test("retention: bad values are refused with the option named", () => {
  const bad: [unknown, RegExp][] = [
    [0, /expected an integer from 1 to \d+, got 0/],
    [1.5, /got 1\.5/],
    [{ agent: 0 }, /expected "agent" to be an integer from 1/],
    [{ commands: 5 }, /unknown category "commands": expected agent, command or system/],
    [[5], /expected an integer from 1 to \d+ or \{agent, command, system\}/],
    ["5", /got 5/],
  ];
  for (const [value, pattern] of bad) {
    assert.throws(
      () => checkRetention(value, "in-memory event store"),
      (error: unknown) =>
        error instanceof OrchestratorError && error.code === 500 &&
        /^Invalid option "retention" of in-memory event store: /.test(error.message) &&
        pattern.test(error.message),
      JSON.stringify(value),
    );
  }
  assert.equal(checkRetention(7, "x"), 7);
  assert.deepEqual(checkRetention({}, "x"), { agent: 100_000, command: 100_000, system: 100_000 });
});
