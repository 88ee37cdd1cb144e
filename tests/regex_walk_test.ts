/** outsideClasses: the one walk over a regex source outside classes and escapes. */

import assert from "node:assert/strict";
import { outsideClasses } from "../lib/regex_walk.ts";

Deno.test("outsideClasses: skips classes whole and the character after each backslash", () => {
  assert.deepEqual([...outsideClasses("a[b)]\\(c")], [0, 5, 7]);
  assert.deepEqual([...outsideClasses("[\\]|]|")], [5]);
  assert.deepEqual([...outsideClasses("[a[b]|")], [5]);
  assert.deepEqual([...outsideClasses("(x")], [0, 1]);
});

Deno.test("outsideClasses: an unclosed class or a trailing backslash ends the walk", () => {
  assert.deepEqual([...outsideClasses("a[|(")], [0]);
  assert.deepEqual([...outsideClasses("a\\")], [0, 1]);
  assert.deepEqual([...outsideClasses("")], []);
});
