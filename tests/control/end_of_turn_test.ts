import assert from "node:assert/strict";
import { atEndOfTurn } from "../../lib/control/end_of_turn.ts";

Deno.test("end of turn: tasks run once, in order, after the turn's promise jobs", async () => {
  const order: string[] = [];
  atEndOfTurn(() => order.push("a"));
  atEndOfTurn(() => {
    order.push("b");
    atEndOfTurn(() => order.push("d")); // queued while the turn's tasks run: the next turn
  });
  atEndOfTurn(() => {
    throw new Error("one task failing");
  });
  atEndOfTurn(() => order.push("c"));
  await Promise.resolve();
  order.push("promise job");
  assert.deepEqual(order, ["promise job"], "nothing runs before the turn ends");
  await new Promise((resolve) => atEndOfTurn(() => resolve(undefined)));
  assert.deepEqual(order, ["promise job", "a", "b", "c"]);
  await new Promise((resolve) => atEndOfTurn(() => resolve(undefined)));
  assert.deepEqual(order, ["promise job", "a", "b", "c", "d"]);
});

Deno.test("end of turn: it is not a timer (a hundred turns in less time than a hundred 1 ms ticks)", async () => {
  const started = performance.now();
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => atEndOfTurn(() => resolve(undefined)));
  }
  const elapsed = performance.now() - started;
  // setTimeout(fn, 0) waits at least 1 ms in Deno, so 100 of them take 100 ms or more
  assert.ok(elapsed < 50, `${elapsed.toFixed(1)} ms for 100 turns`);
});
