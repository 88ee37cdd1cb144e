/** Query planning: pure functions, and a property test against a naive in-JS filter. */

import assert from "node:assert/strict";
import {
  ALL_EVENT_NAMES,
  ALL_IDS,
  firstIdAtOrAfter,
  idRange,
  matchingEventNames,
  planCount,
  planSelect,
} from "../../lib/events/plan.ts";
import { EventStore } from "../../lib/events/store.ts";
import {
  EVENT_CATEGORIES,
  type EventCategory,
  type EventName,
  type EventQuery,
  type OrchestratorEvent,
} from "../../lib/events/event.ts";
import { tempDir } from "./helpers.ts";

Deno.test("matchingEventNames: an event, a category's names, none for a contradiction", () => {
  assert.equal(matchingEventNames({}), null);
  assert.deepEqual(matchingEventNames({ event: "AGENT_READY" }), ["AGENT_READY"]);
  assert.deepEqual(matchingEventNames({ event: "AGENT_READY", category: "agent" }), [
    "AGENT_READY",
  ]);
  assert.deepEqual(matchingEventNames({ event: "AGENT_READY", category: "command" }), []);
  assert.deepEqual(matchingEventNames({ category: "command" }), [
    "COMMAND_EXECUTED",
    "COMMAND_REJECTED",
  ]);
  assert.equal(matchingEventNames({ category: "agent" })?.length, 9);
  assert.equal(ALL_EVENT_NAMES.length, Object.keys(EVENT_CATEGORIES).length);
});

Deno.test("planSelect/planCount: bound parameters, index walks, null when nothing can match", () => {
  assert.equal(
    planSelect({ limit: 5, event: "AGENT_READY", category: "system" }, ALL_IDS, "*"),
    null,
  );
  assert.equal(planSelect({ limit: 5 }, { from: 7, to: 7 }, "*"), null);
  assert.equal(planCount({ event: "AGENT_READY", category: "system" }, ALL_IDS), null);
  const all = planSelect({ limit: 5 }, { from: 3, to: 9 }, "id");
  assert.deepEqual(all?.params, [3, 9, 5]);
  const one = planSelect({ limit: 5, agent: "x'; --", event: "AGENT_READY" }, ALL_IDS, "id");
  assert.match(one!.sql, /INDEXED BY events_by_agent_name/);
  assert.deepEqual(one!.params, ["x'; --", "AGENT_READY", 0, Number.MAX_SAFE_INTEGER, 5]);
  assert.ok(!one!.sql.includes("x'"));
  const merged = planSelect({ limit: 5, category: "command" }, ALL_IDS, "id");
  assert.match(merged!.sql, /UNION ALL/);
  assert.equal(merged!.shape, "n2");
  assert.deepEqual(merged!.params, [
    "COMMAND_EXECUTED",
    0,
    Number.MAX_SAFE_INTEGER,
    5,
    "COMMAND_REJECTED",
    0,
    Number.MAX_SAFE_INTEGER,
    5,
    5,
    5,
  ]);
  assert.equal(
    planSelect({ limit: 5, agent: "a" }, ALL_IDS, "id")!.shape,
    `an${ALL_EVENT_NAMES.length}`,
  );
  assert.deepEqual(planCount({ agent: "a", since: "x" }, { from: 2, to: 4 })!.params, ["a", 2, 4]);
});

Deno.test("firstIdAtOrAfter: binary search over ids with gaps, O(log n) probes", () => {
  // id → timestamp; gaps at 4–9 and 13; timestamps non-decreasing, with ties.
  const rows = new Map<number, string>([
    [1, "a"],
    [2, "b"],
    [3, "b"],
    [10, "c"],
    [11, "e"],
    [12, "e"],
    [14, "f"],
  ]);
  let probes = 0;
  const probe = (id: number) => {
    probes++;
    for (let i = id; i <= 14; i++) if (rows.has(i)) return rows.get(i)!;
    return null;
  };
  const at = (t: string) => firstIdAtOrAfter(t, 1, 15, probe);
  assert.equal(at("a"), 1);
  assert.equal(at("b"), 2);
  assert.equal(at("bb"), 4); // ids 4..10 hold no row before "c": any x in 4..10 is right
  assert.ok(probe(at("bb"))! >= "bb" && rows.get(3)! < "bb");
  assert.equal(at("d"), 11);
  assert.equal(at("e"), 11);
  assert.equal(at("f"), 13);
  assert.equal(at("z"), 15);
  probes = 0;
  firstIdAtOrAfter("m", 1, 1_000_001, (id) => String(id).padStart(7, "0") >= "0500000" ? "z" : "a");
  assert.ok(probes <= 21, `${probes} probes`);
  assert.deepEqual(idRange({ since: "b", until: "e" }, { oldest: 1, newest: 14 }, probe), {
    from: 2,
    to: 11,
  });
  assert.deepEqual(idRange({ since: "e", until: "b" }, { oldest: 1, newest: 14 }, probe), {
    from: 11,
    to: 11,
  });
  assert.deepEqual(idRange({ until: "a" }, { oldest: null, newest: null }, probe), {
    from: 0,
    to: 0,
  });
  assert.equal(idRange({ agent: "x" }, { oldest: 1, newest: 14 }, probe), ALL_IDS);
});

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function naive(events: OrchestratorEvent[], q: EventQuery): OrchestratorEvent[] {
  return events.filter((e) =>
    (q.category === undefined || e.category === q.category) &&
    (q.agent === undefined || e.agent_name === q.agent) &&
    (q.event === undefined || e.event_name === q.event) &&
    (q.since === undefined || e.timestamp >= q.since) &&
    (q.until === undefined || e.timestamp < q.until)
  ).sort((a, b) => b.id - a.id);
}

Deno.test("property: every query equals a naive filter (random events, clock stepping back, pruned head)", async () => {
  await using dir = await tempDir();
  const seed = 20250727;
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const t0 = Date.parse("2025-07-27T10:00:00.000Z");
  let wall = t0;
  // The wall clock mostly advances, sometimes stands still, sometimes steps back.
  const clock = () => {
    const r = rand();
    wall += r < 0.1 ? -5_000 : r < 0.3 ? 0 : Math.floor(rand() * 2_000);
    return new Date(wall);
  };
  const agents = ["web", "db", "worker", "cron"];
  const store = EventStore.open({
    path: `${dir.path}/events.db`,
    retention: 2_500,
    maxBatch: 300,
    clock,
  });
  try {
    for (let i = 0; i < 3_000; i++) {
      const name = pick(ALL_EVENT_NAMES);
      store.append({
        event_name: name,
        agent_name: EVENT_CATEGORIES[name] === "system" ? null : pick(agents),
        data: { i },
      });
    }
    store.flush();
    const stored = store.query({ limit: 10_000 });
    assert.ok(stored.length >= 2_500 && stored.length < 3_000, `${stored.length} stored`);
    assert.ok(stored.at(-1)!.id > 1, "the head was pruned");
    for (let i = 1; i < stored.length; i++) {
      assert.ok(stored[i - 1].timestamp >= stored[i].timestamp, "timestamps never decrease");
    }
    const times = stored.map((e) => e.timestamp);
    const categories: EventCategory[] = ["agent", "command", "system"];
    for (let run = 0; run < 300; run++) {
      const q: EventQuery = { limit: pick([1, 5, 50, 10_000]) };
      if (rand() < 0.4) q.category = pick(categories);
      if (rand() < 0.4) q.agent = pick([...agents, "nobody"]);
      if (rand() < 0.3) q.event = pick(ALL_EVENT_NAMES) as EventName;
      // Bounds: stored timestamps (ties, exact hits) or times between them, or outside.
      const time = () =>
        rand() < 0.7
          ? pick(times)
          : new Date(t0 + Math.floor((rand() - 0.1) * (wall - t0) * 1.2)).toISOString();
      if (rand() < 0.4) q.since = time();
      if (rand() < 0.4) q.until = time();
      const expected = naive(stored, q);
      const got = store.query(q);
      assert.deepEqual(
        got.map((e) => e.id),
        expected.slice(0, q.limit).map((e) => e.id),
        `seed ${seed} run ${run}: ${JSON.stringify(q)}`,
      );
      const { limit: _limit, ...filters } = q;
      assert.equal(store.count(filters), expected.length, `count ${JSON.stringify(filters)}`);
    }
  } finally {
    store.close();
  }
});
