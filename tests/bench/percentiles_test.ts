import assert from "node:assert/strict";
import { median, quantile, summarize } from "../../bench/measure/percentiles.ts";

Deno.test("quantile: nearest rank on n - 1", () => {
  const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantile(s, 0), 1);
  assert.equal(quantile(s, 0.5), 6); // round(4.5) = 5 → 6
  assert.equal(quantile(s, 0.9), 9); // round(8.1) = 8 → 9
  assert.equal(quantile(s, 1), 10);
});

Deno.test("quantile: rejects empty lists and p outside 0…1", () => {
  assert.throws(() => quantile([], 0.5), /no samples/);
  assert.throws(() => quantile([1], 1.5), /not within/);
  assert.throws(() => quantile([1], Number.NaN), /not within/);
});

Deno.test("median: odd and even counts, unsorted input left as is", () => {
  const input = [5, 1, 3];
  assert.equal(median(input), 3);
  assert.deepEqual(input, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no samples/);
});

Deno.test("summarize: p99 of 1000 samples is the 990th value", () => {
  const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  const s = summarize(samples);
  assert.equal(s.n, 1000);
  assert.equal(s.min, 1);
  assert.equal(s.max, 1000);
  assert.equal(s.p50, 501);
  assert.equal(s.p99, 990);
  assert.equal(s.mean, 500.5);
});
