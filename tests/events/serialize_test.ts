/** encodeEventData: always a bounded JSON object, never a throw. */

import assert from "node:assert/strict";
import {
  CIRCULAR_MARKER,
  encodeEventData,
  encodeEventDataFast,
  MAX_EVENT_DATA_BYTES,
  MAX_EVENT_DATA_DEPTH,
  TOO_DEEP_MARKER,
  utf8Length,
} from "../../lib/events/serialize.ts";

Deno.test("plain data is stored as its JSON", () => {
  assert.equal(
    encodeEventData({ a: 1, b: ["x", null], c: { d: true } }),
    '{"a":1,"b":["x",null],"c":{"d":true}}',
  );
  assert.equal(encodeEventData(undefined), "{}");
  assert.equal(encodeEventData(null), "{}");
  assert.equal(encodeEventData([1, 2]), '{"value":[1,2]}');
  assert.equal(encodeEventData("text"), '{"value":"text"}');
});

Deno.test("cycles are marked, shared (non-cyclic) references are kept", () => {
  const shared = { v: 1 };
  const data: Record<string, unknown> = { a: shared, b: shared, list: [] as unknown[] };
  (data.list as unknown[]).push(data);
  assert.deepEqual(JSON.parse(encodeEventData(data)), {
    a: { v: 1 },
    b: { v: 1 },
    list: [CIRCULAR_MARKER],
  });
});

Deno.test("BigInt becomes its decimal string; Error becomes {name, message}", () => {
  const data = { big: -(2n ** 80n), error: new TypeError("bad") };
  assert.deepEqual(JSON.parse(encodeEventData(data)), {
    big: "-1208925819614629174706176",
    error: { name: "TypeError", message: "bad" },
  });
});

Deno.test("deep nesting is cut at the depth limit", () => {
  let deep: Record<string, unknown> = { leaf: 1n };
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  const json = encodeEventData(deep);
  assert.ok(json.includes(TOO_DEEP_MARKER));
  let node = JSON.parse(json);
  let depth = 0;
  while (typeof node === "object") {
    node = node.d;
    depth++;
  }
  assert.equal(node, TOO_DEEP_MARKER);
  assert.equal(depth, MAX_EVENT_DATA_DEPTH);
});

Deno.test("a huge string is cut with a marker; the result stays within the limit", () => {
  const json = encodeEventData({ s: "é".repeat(200_000), keep: "me" });
  assert.ok(utf8Length(json) <= MAX_EVENT_DATA_BYTES);
  const data = JSON.parse(json);
  assert.equal(data.keep, "me");
  assert.match(data.s, /^é+…\[truncated \d+ chars\]$/);
  // Under the limit, long strings are kept whole.
  const whole = JSON.parse(encodeEventData({ s: "x".repeat(60_000) }));
  assert.equal(whole.s.length, 60_000);
});

Deno.test("too much data overall becomes a {_truncated, _original_bytes, _preview} marker", () => {
  const data = Object.fromEntries(
    Array.from({ length: 5000 }, (_, i) => [`key${i}`, "v".repeat(40)]),
  );
  const json = encodeEventData(data);
  assert.ok(utf8Length(json) <= MAX_EVENT_DATA_BYTES);
  const parsed = JSON.parse(json);
  assert.equal(parsed._truncated, true);
  assert.equal(parsed._original_bytes, utf8Length(JSON.stringify(data)));
  assert.ok(parsed._preview.startsWith('{"key0":"vvvv'));
  // Escapes that inflate (control characters) still fit.
  const nasty = encodeEventData({ s: "\u0001".repeat(60_000), t: "\u0001".repeat(60_000) }, 1000);
  assert.ok(utf8Length(nasty) <= 1000);
});

Deno.test("a throwing getter or toJSON is stored as _unserializable", () => {
  const data = {
    toJSON() {
      throw new RangeError("nope");
    },
  };
  assert.deepEqual(JSON.parse(encodeEventData(data)), { _unserializable: "RangeError: nope" });
});

Deno.test("utf8Length counts UTF-8 bytes, surrogate pairs as 4", () => {
  assert.equal(utf8Length("abc"), 3);
  assert.equal(utf8Length("é"), 2);
  assert.equal(utf8Length("世"), 3);
  assert.equal(utf8Length("🚀"), 4);
  assert.equal(utf8Length("\ud800"), 3);
  const mixed = "a é 世 🚀 \ud800x";
  assert.equal(utf8Length(mixed), new TextEncoder().encode(mixed).length);
});

Deno.test("encodeEventDataFast: same JSON as encodeEventData, and a fresh copy of the stored data", () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 40; i++) deep = { deep };
  const inputs: unknown[] = [
    undefined,
    null,
    {},
    { pid: 42, exit_code: -0, reason: "exited", ok: false, none: null },
    { nested: { list: [1, "two", { three: 3 }], empty: [] }, unicode: "héllo 🌍" },
    { skip: undefined, fn: () => 1 },
    { undefinedInArray: [1, undefined, 3] },
    { n: 10n },
    { nan: Number.NaN, inf: Infinity },
    { when: new Date(0) },
    { error: new Error("boom") },
    cyclic,
    deep,
    Object.assign(Object.create(null), { bare: 1 }),
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { big: "x".repeat(MAX_EVENT_DATA_BYTES) },
    { many: Array.from({ length: 5000 }, (_, i) => i) },
    [1, 2],
    "text",
    {
      get boom() {
        throw new Error("getter");
      },
    },
  ];
  for (const input of inputs) {
    const fast = encodeEventDataFast(input);
    assert.equal(fast.json, encodeEventData(input), String(fast.json).slice(0, 80));
    if (fast.data !== null) {
      assert.deepEqual(fast.data, JSON.parse(fast.json));
      assert.notEqual(fast.data, input);
    }
  }
  const plain = { pid: 1, args: ["a"] };
  const fast = encodeEventDataFast(plain);
  assert.deepEqual(fast.data, plain);
  plain.args.push("b");
  assert.deepEqual(fast.data, { pid: 1, args: ["a"] }, "the copy does not follow later changes");
  assert.equal(encodeEventDataFast({ n: 1n }).data, null);
});
