/** PendingEvents: the store's column-wise buffer keeps its columns aligned. */

import assert from "node:assert/strict";
import { PendingEvents } from "../../lib/events/pending.ts";

Deno.test("pending: push, drop the oldest and clear keep every column in step", () => {
  const pending = new PendingEvents();
  pending.push(1, "AGENT_STARTED", "web", "2026-11-21T08:00:00.000Z", '{"pid":1}');
  pending.push(2, "COMMAND_EXECUTED", null, "2026-11-21T08:00:00.001Z", '{"command":"ps"}');
  pending.push(3, "AGENT_FAILED", "db", "2026-11-21T08:00:00.002Z", '{"code":3}');
  assert.equal(pending.length, 3);
  pending.dropOldest();
  assert.equal(pending.length, 2);
  const rows = pending.ids.map((id, i) => [
    id,
    pending.names[i],
    pending.agents[i],
    pending.timestamps[i],
    pending.jsons[i],
  ]);
  assert.deepEqual(rows, [
    [2, "COMMAND_EXECUTED", null, "2026-11-21T08:00:00.001Z", '{"command":"ps"}'],
    [3, "AGENT_FAILED", "db", "2026-11-21T08:00:00.002Z", '{"code":3}'],
  ]);
  pending.clear();
  assert.equal(pending.length, 0);
  assert.deepEqual(
    [pending.names, pending.agents, pending.timestamps, pending.jsons].map((c) => c.length),
    [0, 0, 0, 0],
  );
});
