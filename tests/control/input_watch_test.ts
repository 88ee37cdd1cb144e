import assert from "node:assert/strict";
import { InputWatch } from "../../lib/control/input_watch.ts";

Deno.test("input watch: a frame unfinished past the frame time expires, counted from the sweep that saw it", () => {
  const w = new InputWatch(0);
  w.waiting(true);
  assert.equal(w.sweep(100, 3, 500), false, "first seen unfinished");
  assert.equal(w.unfinished, false, "one sweep is not enough to call it stalled");
  assert.equal(w.sweep(600, 3, 500), false, "500 ms: not more than the frame time");
  assert.equal(w.unfinished, true);
  assert.equal(w.sweep(601, 3, 500), true);
});

Deno.test("input watch: a new frame under way at each sweep never expires", () => {
  const w = new InputWatch(0);
  w.waiting(true);
  for (let now = 0; now < 5_000; now += 400) {
    assert.equal(w.sweep(now, 3, 500), false);
    w.waiting(false);
    w.frameRead();
    w.waiting(true);
  }
});

Deno.test("input watch: input the server is not reading never counts", () => {
  const w = new InputWatch(0);
  w.waiting(true);
  w.sweep(0, 3, 500);
  w.waiting(false); // the read loop holds back for its answers
  assert.equal(w.sweep(10_000, 3, 500), false);
  assert.equal(w.unfinished, false);
  w.waiting(true);
  assert.equal(w.sweep(10_100, 3, 500), false, "counted afresh from here");
  assert.equal(w.sweep(10_700, 3, 500), true);
});

Deno.test("input watch: stalledSince: silent since accept, or unfinished since a sweep; seen so by two sweeps", () => {
  const silent = new InputWatch(7);
  silent.waiting(true);
  assert.equal(silent.stalledSince(0), null, "no sweep yet");
  silent.sweep(100, 0, 500);
  assert.equal(silent.stalledSince(0), null, "one sweep");
  silent.sweep(200, 0, 500);
  assert.equal(silent.stalledSince(0), 7);

  const half = new InputWatch(7);
  half.waiting(true);
  half.sweep(100, 4, 500);
  assert.equal(half.stalledSince(4), null, "one sweep");
  half.sweep(200, 4, 500);
  assert.equal(half.stalledSince(4), 100);

  const used = new InputWatch(7);
  used.frameRead();
  used.waiting(true);
  used.sweep(100, 0, 500);
  used.sweep(200, 0, 500);
  assert.equal(used.stalledSince(0), null, "it sent a whole frame and waits for the next");
  assert.equal(used.unfinished, false);
});
