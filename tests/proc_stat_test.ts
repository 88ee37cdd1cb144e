/** statFields: the one splitter of `/proc/PID/stat` text. */

import assert from "node:assert/strict";
import { statFields } from "../lib/proc_stat.ts";

Deno.test("statFields: numbered from the man page, counted after the last ')'", () => {
  assert.deepEqual(statFields("42 (a) b) c) S 1 42 7", 5), ["", "42", "", "S", "1", "42"]);
  assert.deepEqual(statFields("42 (x) S 1 42", 5), ["", "42", "", "S", "1", "42"]);
});

Deno.test("statFields: null without a ')' or with fewer fields than asked", () => {
  assert.equal(statFields("42 x S 1 42", 5), null);
  assert.equal(statFields("42 (x) S 1", 5), null);
  assert.equal(statFields("", 3), null);
  const own = statFields(Deno.readTextFileSync("/proc/self/stat"), 52);
  assert.equal(own?.[1], String(Deno.pid));
});
