import assert from "node:assert/strict";
import { capList, capText, ECHO_MAX_BYTES, ECHO_MAX_ITEMS } from "../lib/text_cap.ts";

const utf8 = (text: string) => new TextEncoder().encode(text).length;

Deno.test("capText: a value within the cap is returned as it is", () => {
  assert.equal(capText("web"), "web");
  const exact = "a".repeat(ECHO_MAX_BYTES);
  assert.equal(capText(exact), exact);
  assert.equal(capText("é".repeat(ECHO_MAX_BYTES / 2)), "é".repeat(ECHO_MAX_BYTES / 2));
});

Deno.test("capText: a 1 MiB value keeps 256 bytes and says how many bytes were left out", () => {
  const capped = capText("x".repeat(1024 * 1024));
  assert.equal(capped, "x".repeat(256) + "…(1048320 more bytes)");
  assert.equal(capText("abcdef", 4), "abcd…(2 more bytes)");
});

Deno.test("capText: the cut never splits a character, and counts UTF-8 bytes", () => {
  // "é" is 2 bytes: 3 of them do not fit in 5 bytes
  assert.equal(capText("ééé", 5), "éé…(2 more bytes)");
  // "😀" is a surrogate pair, 4 bytes: never cut in half
  assert.equal(capText("a😀😀", 6), "a😀…(4 more bytes)");
  assert.equal(capText("😀😀", 3), "…(8 more bytes)");
  // a lone surrogate is written as U+FFFD (3 bytes), as TextEncoder does
  const lone = "\ud800".repeat(200);
  const capped = capText(lone);
  assert.ok(utf8(capped) <= ECHO_MAX_BYTES + 30, capped);
  assert.match(capped, new RegExp(`…\\(${utf8(lone) - 255} more bytes\\)$`));
});

Deno.test("capText: the result is bounded whatever the input", () => {
  for (const unit of ["x", "é", "€", "😀", "\u0000", "\ud800"]) {
    const capped = capText(unit.repeat(100_000));
    assert.ok(utf8(capped) <= ECHO_MAX_BYTES + 32, `${unit}: ${utf8(capped)} bytes`);
  }
});

Deno.test("capList: a short list of short values is the same array", () => {
  const args = ["web", "job"];
  assert.equal(capList(args), args);
  assert.equal(capList([]).length, 0);
});

Deno.test("capList: each item capped, and past the item cap one marker item", () => {
  const many = Array.from({ length: ECHO_MAX_ITEMS + 4 }, (_, i) => `a${i}`);
  const capped = capList(many);
  assert.equal(capped.length, ECHO_MAX_ITEMS + 1);
  assert.deepEqual(capped.slice(0, ECHO_MAX_ITEMS), many.slice(0, ECHO_MAX_ITEMS));
  assert.equal(capped[ECHO_MAX_ITEMS], "…(4 more)");
  const long = capList(["x".repeat(1000), "y"]);
  assert.deepEqual(long, ["x".repeat(256) + "…(744 more bytes)", "y"]);
  assert.deepEqual(capList(["abcdef", "g", "h"], { maxItems: 2, maxBytes: 3 }), [
    "abc…(3 more bytes)",
    "g",
    "…(1 more)",
  ]);
});
