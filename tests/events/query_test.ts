/** normalizeQuery / parseIsoTimestamp: pure validation of history options. */

import assert from "node:assert/strict";
import { normalizeQuery, parseIsoTimestamp, QUERY_LIMIT_DEFAULT } from "../../lib/events/query.ts";
import { MAX_LIST } from "../../lib/protocol/limits.ts";
import { OrchestratorError } from "../../lib/errors.ts";

const NOW = new Date("2025-07-27T10:30:00.000Z");

Deno.test("normalizeQuery: defaults and normal forms", () => {
  assert.deepEqual(normalizeQuery(undefined, NOW), { limit: QUERY_LIMIT_DEFAULT });
  assert.deepEqual(normalizeQuery({}, NOW), { limit: QUERY_LIMIT_DEFAULT });
  assert.deepEqual(
    normalizeQuery(
      {
        limit: " 50 ",
        category: "Agent",
        event: "agent_started",
        agent: "web",
        since: "2025-07-27",
      },
      NOW,
    ),
    {
      limit: 50,
      category: "agent",
      event: "AGENT_STARTED",
      agent: "web",
      since: "2025-07-27T00:00:00.000Z",
    },
  );
  assert.equal(normalizeQuery({ limit: 10_001 }, NOW).limit, MAX_LIST);
  assert.equal(normalizeQuery({ limit: null }, NOW).limit, QUERY_LIMIT_DEFAULT);
});

Deno.test("normalizeQuery: since/until as ISO with offset or a duration before now", () => {
  const q = normalizeQuery({ since: "2025-07-27T12:00:00+02:00", until: "15m" }, NOW);
  assert.equal(q.since, "2025-07-27T10:00:00.000Z");
  assert.equal(q.until, "2025-07-27T10:15:00.000Z");
  assert.equal(normalizeQuery({ since: "7d" }, NOW).since, "2025-07-20T10:30:00.000Z");
  assert.equal(normalizeQuery({ since: "500ms" }, NOW).since, "2025-07-27T10:29:59.500Z");
});

Deno.test("normalizeQuery: every bad option is a 400 naming the option", () => {
  const cases: [unknown, string][] = [
    [{ limit: -1 }, "limit"],
    [{ limit: true }, "limit"],
    [{ limit: "1e3" }, "limit"],
    [{ category: 3 }, "category"],
    [{ event: "" }, "event"],
    [{ agent: 7 }, "agent"],
    [{ agent: "x".repeat(257) }, "agent"],
    [{ since: "2025-13-45" }, "since"],
    [{ since: "tomorrow" }, "since"],
    [{ until: "1w" }, "until"],
    [{ until: {} }, "until"],
    [{ sort: "asc" }, "sort"],
  ];
  for (const [query, option] of cases) {
    assert.throws(
      () => normalizeQuery(query, NOW),
      (error: unknown) =>
        error instanceof OrchestratorError && error.code === 400 && error.details.option === option,
      JSON.stringify(query),
    );
  }
  assert.throws(() => normalizeQuery([], NOW), /expected an object, got an array/);
  assert.throws(() => normalizeQuery(42, NOW), /expected an object, got 42/);
});

Deno.test("parseIsoTimestamp: ISO forms only, canonical output", () => {
  assert.equal(parseIsoTimestamp("2025-07-27T10:30:00Z"), "2025-07-27T10:30:00.000Z");
  assert.equal(parseIsoTimestamp("2025-07-27T10:30:00.123456Z"), "2025-07-27T10:30:00.123Z");
  assert.equal(parseIsoTimestamp("July 27, 2025"), null);
  assert.equal(parseIsoTimestamp("1753612200000"), null);
  assert.equal(parseIsoTimestamp("2025-02-30T00:00:00Z"), null);
});
