import assert from "node:assert/strict";
import { isoTime } from "../lib/iso_time.ts";

Deno.test("isoTime equals toISOString across the four-digit year range", () => {
  const edges = [
    0,
    -1,
    1,
    59_999,
    60_000,
    -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
    253_402_300_799_999, // 9999-12-31T23:59:59.999Z
    Date.UTC(2024, 1, 29, 23, 59, 59, 999), // leap day
    Date.UTC(2026, 10, 21, 7, 5, 9, 42),
  ];
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const samples = [...edges];
  for (let i = 0; i < 20_000; i++) {
    samples.push(Math.floor((random() * 2 - 1) * 2e14)); // years ~ -4400 … 8300 (fallback outside 0..9999)
    samples.push(Date.now() + Math.floor(random() * 1e7)); // near now: the cached-minute path
  }
  for (const ms of samples) assert.equal(isoTime(ms), new Date(ms).toISOString(), `ms=${ms}`);
});

Deno.test("isoTime truncates fractional milliseconds as Date does", () => {
  for (const ms of [1.9, -1.9, 1_700_000_000_123.999, -0.5, 0.5]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString(), `ms=${ms}`);
  }
});

Deno.test("isoTime throws RangeError for invalid times, as toISOString does", () => {
  for (const ms of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1]) {
    assert.throws(() => isoTime(ms), RangeError);
  }
});
