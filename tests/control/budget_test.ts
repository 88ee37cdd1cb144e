import assert from "node:assert/strict";
import { BufferBudget } from "../../lib/control/budget.ts";

Deno.test("budget: tryTake refuses past the limit and remembers the shortage once", () => {
  const b = new BufferBudget(100);
  assert.equal(b.tryTake(60), true);
  assert.equal(b.tryTake(50), false);
  assert.equal(b.used, 60);
  assert.equal(b.takeShortage(), true);
  assert.equal(b.takeShortage(), false, "cleared by the call");
  assert.equal(b.fits(40), true);
  assert.equal(b.takeShortage(), false);
});

Deno.test("budget: take counts past the limit; over until released", () => {
  const b = new BufferBudget(100);
  b.take(150);
  assert.equal(b.over, true);
  assert.equal(b.fits(1), false);
  b.release(60);
  assert.equal(b.over, false);
  assert.equal(b.used, 90);
  b.release(1000);
  assert.equal(b.used, 0, "never below zero");
});
