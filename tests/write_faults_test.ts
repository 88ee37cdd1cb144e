/** WriteFaults (the episode state of the log files and the audit log) on a stepping clock. */

import assert from "node:assert/strict";
import { WriteFaults } from "../lib/write_faults.ts";

function recorded() {
  const clock = { now: 0 };
  const errors: unknown[] = [];
  const recoveries: number[] = [];
  const faults = new WriteFaults({
    retryMs: 1000,
    now: () => clock.now,
    onError: (e) => errors.push(e),
    onRecover: (n) => recoveries.push(n),
  });
  return { faults, clock, errors, recoveries };
}

Deno.test("write faults: one onError per episode, waits retryMs, onRecover with what the episode lost", () => {
  const { faults, clock, errors, recoveries } = recorded();
  assert.equal(faults.failing, false);
  assert.equal(faults.waiting, false);
  faults.succeeded();
  assert.deepEqual(recoveries, []);
  faults.fail(new Error("one"));
  faults.drop(5);
  assert.equal(faults.failing, true);
  assert.equal(faults.waiting, true);
  clock.now = 999;
  assert.equal(faults.waiting, true);
  faults.drop(2);
  clock.now = 1000;
  assert.equal(faults.waiting, false);
  faults.fail(new Error("two"));
  assert.equal(faults.waiting, true);
  assert.deepEqual(errors.map((e) => (e as Error).message), ["one"]);
  faults.succeeded();
  assert.deepEqual(recoveries, [7]);
  assert.equal(faults.failing, false);
  faults.drop(3);
  assert.equal(faults.lost, 10);
  faults.fail(new Error("three"));
  faults.drop(1);
  faults.succeeded();
  assert.deepEqual(recoveries, [7, 1]);
  assert.equal(errors.length, 2);
});

Deno.test("write faults: retryNow lets the next attempt go at once, only while failing", () => {
  const { faults, clock } = recorded();
  faults.retryNow();
  assert.equal(faults.failing, false);
  clock.now = 50;
  faults.fail(new Error("full"));
  assert.equal(faults.waiting, true);
  faults.retryNow();
  assert.equal(faults.waiting, false);
  assert.equal(faults.failing, true);
});
