import assert from "node:assert/strict";
import { Pacer } from "../../lib/agent/pacer.ts";

Deno.test("Pacer: no wait within the budget, the rest of the window past it", () => {
  let now = 1000;
  const pacer = new Pacer({ windowMs: 100, budgetMs: 25, now: () => now });
  assert.equal(pacer.waitMs(), 0);
  pacer.spend(10);
  now += 20;
  pacer.spend(10);
  assert.equal(pacer.waitMs(), 0);
  pacer.spend(6);
  assert.equal(pacer.waitMs(), 80);
  now += 50;
  assert.equal(pacer.waitMs(), 30);
  now += 30;
  assert.equal(pacer.waitMs(), 0, "a new window starts with a new budget");
  pacer.spend(24);
  assert.equal(pacer.waitMs(), 0);
});
