import assert from "node:assert/strict";
import { placeholders, substitute, valueToString } from "../lib/substitute.ts";

Deno.test("substitute: placeholders in order, once each, $${ skipped", () => {
  assert.deepEqual(placeholders("https://x/${city}?k=${KEY}&c=${city}"), ["city", "KEY"]);
  assert.deepEqual(placeholders("$${literal} ${a.b-c_1}"), ["a.b-c_1"]);
  assert.deepEqual(placeholders("${1bad} $city {x}"), []);
});

Deno.test("substitute: a value is pasted as is, inside its one string", () => {
  const lookup = (name: string) => ({ city: "Paris; rm -rf /", n: "" })[name];
  assert.deepEqual(substitute("-q=${city}${n}", lookup), { ok: true, text: "-q=Paris; rm -rf /" });
  assert.deepEqual(substitute("$${city}", lookup), { ok: true, text: "${city}" });
});

Deno.test("substitute: every missing name is reported, none left as ${x}", () => {
  assert.deepEqual(substitute("${a}/${b}/${a}/${ok}", (n) => (n === "ok" ? "1" : undefined)), {
    ok: false,
    missing: ["a", "b"],
  });
});

Deno.test("substitute: values become strings (JSON beyond scalars)", () => {
  assert.equal(valueToString("x"), "x");
  assert.equal(valueToString(3), "3");
  assert.equal(valueToString(false), "false");
  assert.equal(valueToString({ a: [1] }), '{"a":[1]}');
  assert.equal(valueToString(null), undefined);
  assert.equal(valueToString(undefined), undefined);
});
