/** EventStore in one process: append, every query filter, retention, restart, lifecycle. */

import assert from "node:assert/strict";
import { EventStore } from "../../lib/events/store.ts";
import type { EventName, NewEvent } from "../../lib/events/event.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { MAX_LIST } from "../../lib/protocol/limits.ts";
import { MAX_EVENT_DATA_BYTES } from "../../lib/events/serialize.ts";
import { tempDir } from "./helpers.ts";

/** A clock that advances one second per call, from 2025-07-27T10:00:00Z. */
function steppingClock(): () => Date {
  let t = Date.parse("2025-07-27T10:00:00.000Z");
  return () => new Date((t += 1000) - 1000);
}

function isError(code: number, pattern: RegExp): (error: unknown) => boolean {
  return (error) =>
    error instanceof OrchestratorError && error.code === code && pattern.test(error.message);
}

/** 30 events: names cycle over 3, agents over a/b/c, timestamps 1 s apart. */
function seed(store: EventStore): void {
  const names: EventName[] = ["AGENT_STARTED", "COMMAND_EXECUTED", "ORCHESTRATOR_STARTED"];
  for (let i = 0; i < 30; i++) {
    const event: NewEvent = {
      event_name: names[i % 3],
      agent_name: i % 3 === 2 ? null : ["a", "b", "c"][i % 3 === 0 ? (i / 3) % 3 : 1],
      data: { i },
    };
    store.append(event);
  }
}

Deno.test("append assigns id, category and timestamp; returns the stored data", () => {
  using store = EventStore.open({ path: null, retention: 100, clock: steppingClock() });
  const a = store.append({ event_name: "AGENT_STARTED", agent_name: "web", data: { pid: 7 } });
  const b = store.append({ event_name: "COMMAND_EXECUTED", data: { command: "ps" } });
  const c = store.append({
    event_name: "ORCHESTRATOR_SHUTDOWN",
    timestamp: "2030-01-01T01:00:00+01:00",
  });
  assert.deepEqual(a, {
    id: 1,
    event_name: "AGENT_STARTED",
    category: "agent",
    agent_name: "web",
    timestamp: "2025-07-27T10:00:00.000Z",
    data: { pid: 7 },
  });
  assert.equal(b.id, 2);
  assert.equal(b.category, "command");
  assert.equal(b.agent_name, null);
  assert.equal(b.timestamp, "2025-07-27T10:00:01.000Z");
  assert.equal(c.category, "system");
  assert.equal(c.timestamp, "2030-01-01T00:00:00.000Z");
  assert.deepEqual(c.data, {});
  assert.deepEqual(store.query(), [c, b, a]);
});

Deno.test("append rejects unknown event names and bad timestamps with 400", () => {
  using store = EventStore.open({ path: null, retention: 100 });
  assert.throws(
    () => store.append({ event_name: "NOPE" as EventName }),
    isError(400, /^Cannot append event "NOPE": unknown event name$/),
  );
  assert.throws(
    () => store.append({ event_name: "AGENT_READY", timestamp: "yesterday" }),
    isError(400, /^Cannot append event "AGENT_READY": invalid timestamp "yesterday"/),
  );
  assert.equal(store.count(), 0);
});

Deno.test("query: newest first, default limit 100, limit clamped to 10,000", () => {
  using store = EventStore.open({ path: null, retention: 20_000, maxBatch: 5000 });
  for (let i = 0; i < 10_050; i++) store.append({ event_name: "AGENT_READY", data: { i } });
  const page = store.query();
  assert.equal(page.length, 100);
  assert.equal(page[0].id, 10_050);
  assert.equal(page[99].id, 9_951);
  assert.ok(page.every((e, i) => i === 0 || e.id === page[i - 1].id - 1));
  assert.equal(store.query({ limit: 3 }).map((e) => e.data.i).join(), "10049,10048,10047");
  assert.equal(store.query({ limit: 1_000_000 }).length, MAX_LIST);
  assert.equal(
    store.query({ limit: MAX_LIST + 1 }).at(-1)?.id,
    10_050 - MAX_LIST + 1,
  );
});

Deno.test("query: every filter alone and combined", () => {
  using store = EventStore.open({ path: null, retention: 1000, clock: steppingClock() });
  seed(store);
  const all = store.query({ limit: 1000 });
  assert.equal(all.length, 30);
  const expect = (filter: (e: typeof all[number]) => boolean) =>
    all.filter(filter).map((e) => e.id);
  const ids = (q: Parameters<EventStore["query"]>[0]) => store.query(q).map((e) => e.id);

  assert.deepEqual(ids({ category: "agent" }), expect((e) => e.category === "agent"));
  assert.equal(ids({ category: "agent" }).length, 10);
  assert.deepEqual(ids({ category: "system" }), expect((e) => e.category === "system"));
  assert.deepEqual(ids({ agent: "b" }), expect((e) => e.agent_name === "b"));
  assert.ok(ids({ agent: "b" }).length > 10);
  assert.deepEqual(ids({ agent: "nobody" }), []);
  assert.deepEqual(
    ids({ event: "COMMAND_EXECUTED" }),
    expect((e) => e.event_name === "COMMAND_EXECUTED"),
  );
  const since = "2025-07-27T10:00:10.000Z"; // event 11 and later
  const until = "2025-07-27T10:00:20.000Z"; // before event 21
  assert.deepEqual(ids({ since }), expect((e) => e.id >= 11));
  assert.deepEqual(ids({ until }), expect((e) => e.id <= 20));
  assert.deepEqual(ids({ since, until }), expect((e) => e.id >= 11 && e.id <= 20));
  assert.deepEqual(
    ids({ category: "agent", agent: "a", since, until, limit: 2 }),
    expect((e) => e.category === "agent" && e.agent_name === "a" && e.id >= 11 && e.id <= 20)
      .slice(0, 2),
  );
  assert.deepEqual(
    ids({ event: "AGENT_STARTED", category: "command" }),
    [],
    "an event name outside the category matches nothing",
  );
  assert.deepEqual(
    ids({ category: "AGENT" as "agent", event: "agent_started" as EventName }),
    expect((e) => e.event_name === "AGENT_STARTED"),
  );
  assert.equal(store.count({ category: "command" }), 10);
  assert.equal(
    store.count({ agent: "a", since }),
    expect((e) => e.agent_name === "a" && e.id >= 11).length,
  );
  assert.equal(store.count(), 30);
});

Deno.test("query: relative since/until use the store clock", () => {
  let now = Date.parse("2025-07-27T10:00:00Z");
  using store = EventStore.open({ path: null, retention: 100, clock: () => new Date(now) });
  store.append({ event_name: "AGENT_STARTED" });
  now += 2 * 3_600_000;
  store.append({ event_name: "AGENT_READY" });
  now += 60_000;
  assert.deepEqual(store.query({ since: "1h" }).map((e) => e.event_name), ["AGENT_READY"]);
  assert.deepEqual(store.query({ until: "90m" }).map((e) => e.event_name), ["AGENT_STARTED"]);
});

Deno.test("query: invalid options are 400 with a clear message", () => {
  using store = EventStore.open({ path: null, retention: 100 });
  const bad: [unknown, RegExp][] = [
    [
      { category: "agents" },
      /^Invalid history category "agents": expected one of agent, command, system$/,
    ],
    [
      { event: "AGENT_EXPLODED" },
      /^Invalid history event "AGENT_EXPLODED": expected one of ORCHESTRATOR_STARTED/,
    ],
    [
      { since: "last tuesday" },
      /^Invalid history since "last tuesday": expected an ISO 8601 timestamp/,
    ],
    [{ until: 5 }, /^Invalid history until 5:/],
    [{ limit: 0 }, /^Invalid history limit 0: expected an integer from 1 to 10000$/],
    [{ limit: "ten" }, /^Invalid history limit "ten"/],
    [{ limit: 2.5 }, /^Invalid history limit 2.5/],
    [{ agent: "" }, /^Invalid history agent "": expected a non-empty agent name/],
    [{ categroy: "agent" }, /^Unknown history option "categroy": expected one of limit, category/],
    ["agent", /^Invalid history options: expected an object, got "agent"$/],
  ];
  for (const [query, pattern] of bad) {
    assert.throws(() => store.query(query as never), isError(400, pattern), JSON.stringify(query));
  }
});

Deno.test("retention: never more than retention (+ one batch buffered); the newest are kept", () => {
  using store = EventStore.open({ path: null, retention: 50, maxBatch: 10 });
  for (let i = 1; i <= 537; i++) {
    store.append({ event_name: "AGENT_READY", data: { i } });
    assert.ok(store.pending <= 10);
    if (i % 7 === 0) assert.ok(store.count() <= 50, `${store.count()} stored after ${i}`);
  }
  assert.equal(store.count(), 50);
  const kept = store.query({ limit: 1000 }).map((e) => e.id);
  assert.equal(kept[0], 537);
  assert.equal(kept.at(-1), 488);
});

Deno.test("retention: an oversized table is pruned in bounded chunks, never all at once", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  {
    using big = EventStore.open({ path, retention: 100_000, maxBatch: 5000 });
    for (let i = 0; i < 10_000; i++) big.append({ event_name: "AGENT_READY" });
  }
  using store = EventStore.open({ path, retention: 100, maxBatch: 10 });
  assert.equal(store.count(), 10_000, "opening does not prune");
  store.append({ event_name: "AGENT_FAILED" });
  store.flush();
  const afterOne = store.count();
  assert.ok(afterOne < 10_001 && afterOne > 100, `one flush pruned one chunk (${afterOne} left)`);
  for (let i = 0; i < 30 && store.count() > 100; i++) store.append({ event_name: "AGENT_FAILED" });
  assert.equal(store.count(), 100);
  assert.equal(store.query({ limit: 1 })[0].event_name, "AGENT_FAILED");
});

Deno.test("file store: history survives a restart; ORCHESTRATOR_STARTED marks the boundary", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  {
    using first = EventStore.open({ path, retention: 1000 });
    assert.equal(first.path, path);
    assert.equal(first.lastRunBoundary(), null);
    first.append({ event_name: "ORCHESTRATOR_STARTED", data: { run: 1 } });
    first.append({ event_name: "AGENT_STARTED", agent_name: "web" });
    first.append({ event_name: "ORCHESTRATOR_SHUTDOWN" });
  }
  using second = EventStore.open({ path, retention: 1000 });
  const started = second.append({ event_name: "ORCHESTRATOR_STARTED", data: { run: 2 } });
  assert.equal(started.id, 4);
  second.append({ event_name: "AGENT_STARTED", agent_name: "web" });
  const boundary = second.lastRunBoundary();
  assert.deepEqual(boundary, started);
  assert.deepEqual(
    second.query().map((e) => `${e.id}:${e.event_name}`),
    [
      "5:AGENT_STARTED",
      "4:ORCHESTRATOR_STARTED",
      "3:ORCHESTRATOR_SHUTDOWN",
      "2:AGENT_STARTED",
      "1:ORCHESTRATOR_STARTED",
    ],
  );
  assert.equal(second.count({ since: boundary!.timestamp }) >= 2, true);
});

Deno.test("flush timer commits the buffer on its own", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  using store = EventStore.open({ path, retention: 100, flushIntervalMs: 5 });
  store.append({ event_name: "AGENT_STARTED" });
  assert.equal(store.pending, 1);
  for (let i = 0; i < 400 && store.pending > 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(store.pending, 0);
});

Deno.test("a full batch is committed at once, without waiting for the timer", () => {
  using store = EventStore.open({
    path: null,
    retention: 100,
    maxBatch: 4,
    flushIntervalMs: 60_000,
  });
  for (let i = 0; i < 3; i++) store.append({ event_name: "AGENT_STARTED" });
  assert.equal(store.pending, 3);
  store.append({ event_name: "AGENT_STARTED" });
  assert.equal(store.pending, 0);
});

Deno.test("close: commits the buffer, is idempotent; append afterwards is 503", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  const store = EventStore.open({ path, retention: 100, flushIntervalMs: 60_000 });
  store.append({ event_name: "AGENT_STOPPED", agent_name: "x" });
  store.close();
  store.close();
  assert.throws(
    () => store.append({ event_name: "AGENT_STOPPED" }),
    isError(503, /^Cannot append event "AGENT_STOPPED": the event store is closed$/),
  );
  using again = EventStore.open({ path, retention: 100 });
  assert.equal(again.query()[0].agent_name, "x");
});

Deno.test("hostile data: cycles, BigInt, huge strings, unicode, throwing getters", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  const cyclic: Record<string, unknown> = { name: "loop", n: 10n ** 30n };
  cyclic.self = cyclic;
  const unicode = 'héllo 世界 🚀 \u0000 \u2028 "quoted" \\ \ud800';
  const hostile = {
    get boom(): never {
      throw new Error("getter exploded");
    },
  };
  {
    using store = EventStore.open({ path, retention: 100 });
    const a = store.append({ event_name: "AGENT_FAILED", agent_name: "名前🚀", data: cyclic });
    assert.deepEqual(a.data, {
      name: "loop",
      n: "1000000000000000000000000000000",
      self: "[Circular]",
    });
    const b = store.append({ event_name: "AGENT_FAILED", data: { text: "x".repeat(10_000_000) } });
    assert.ok(JSON.stringify(b.data).length <= MAX_EVENT_DATA_BYTES);
    assert.match(String(b.data.text), /…\[truncated \d+ chars\]$/);
    store.append({ event_name: "AGENT_FAILED", data: { unicode } });
    const d = store.append({ event_name: "AGENT_FAILED", data: hostile });
    assert.deepEqual(d.data, { _unserializable: "Error: getter exploded" });
    store.append({ event_name: "AGENT_FAILED", agent_name: "z".repeat(10_000) });
  }
  using store = EventStore.open({ path, retention: 100 });
  const [long, getter, uni, huge, cyc] = store.query();
  assert.equal(cyc.agent_name, "名前🚀");
  assert.equal(cyc.data.self, "[Circular]");
  assert.match(String(huge.data.text), /^x+…\[truncated/);
  assert.equal(uni.data.unicode, unicode, "unicode, control chars and a lone surrogate round-trip");
  assert.equal(getter.data._unserializable, "Error: getter exploded");
  assert.equal(long.agent_name?.length, 256);
  assert.ok(long.agent_name?.endsWith("…"));
});

Deno.test("options are validated", () => {
  assert.throws(
    () => EventStore.open({ path: null, retention: 0 }),
    isError(
      500,
      /^Invalid option "retention" of in-memory event store: expected an integer from 1/,
    ),
  );
  assert.throws(
    () => EventStore.open({ path: null, retention: 10, maxBatch: 0 }),
    isError(500, /^Invalid option "maxBatch"/),
  );
  assert.throws(
    () => EventStore.open({ path: null, retention: 10, flushIntervalMs: -1 }),
    isError(500, /^Invalid option "flushIntervalMs"/),
  );
  assert.throws(
    () => EventStore.open({ path: "", retention: 10 }),
    isError(500, /^Invalid event store path "": expected a file path or null$/),
  );
});

Deno.test("timestamps never decrease with ids: a clock stepping back or an older given time is raised", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  const times = [
    "2025-07-27T10:00:05.000Z",
    "2025-07-27T10:00:01.000Z", // the clock stepped back 4 s
    "2025-07-27T10:00:06.000Z",
  ];
  let i = 0;
  const clock = () => new Date(times[Math.min(i++, times.length - 1)]);
  {
    using store = EventStore.open({ path, retention: 100, clock });
    const stamps = [
      store.append({ event_name: "AGENT_STARTED" }),
      store.append({ event_name: "AGENT_READY" }),
      store.append({ event_name: "AGENT_FAILED" }),
      store.append({ event_name: "AGENT_STOPPED", timestamp: "2025-07-27T09:00:00Z" }),
      store.append({ event_name: "AGENT_STOPPED", timestamp: "2025-07-27T10:00:07+00:00" }),
    ].map((e) => e.timestamp);
    assert.deepEqual(stamps, [
      "2025-07-27T10:00:05.000Z",
      "2025-07-27T10:00:05.000Z",
      "2025-07-27T10:00:06.000Z",
      "2025-07-27T10:00:06.000Z",
      "2025-07-27T10:00:07.000Z",
    ]);
    assert.deepEqual(
      store.query({ since: "2025-07-27T10:00:05Z", until: "2025-07-27T10:00:06Z" }).map((e) =>
        e.id
      ),
      [2, 1],
    );
  }
  // After a restart, the clock (now far behind) is raised to the newest stored time.
  using again = EventStore.open({
    path,
    retention: 100,
    clock: () => new Date("2020-01-01T00:00:00Z"),
  });
  assert.equal(
    again.append({ event_name: "ORCHESTRATOR_STARTED" }).timestamp,
    "2025-07-27T10:00:07.000Z",
  );
  assert.deepEqual(again.query({ since: "2025-07-27T10:00:07Z" }).map((e) => e.id), [6, 5]);
});

Deno.test("the default clock gives current, non-decreasing timestamps", () => {
  using store = EventStore.open({ path: null, retention: 10_000 });
  const before = Date.now();
  const events = Array.from({ length: 2000 }, () => store.append({ event_name: "AGENT_READY" }));
  const after = Date.now();
  for (let i = 0; i < events.length; i++) {
    const ms = Date.parse(events[i].timestamp);
    assert.ok(ms >= before && ms <= after);
    assert.ok(i === 0 || events[i].timestamp >= events[i - 1].timestamp);
  }
});
