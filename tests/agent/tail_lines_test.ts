import assert from "node:assert/strict";
import { CUT_MARKER, tailLines } from "../../lib/agent/tail_lines.ts";
import { CapturedStream } from "../../lib/agent/captured_stream.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const all = { count: 100, lineMax: 1024, startsLine: true };

Deno.test("tailLines: newest lines, \\r removed, unfinished last line included", () => {
  assert.deepEqual(tailLines(enc("a\r\nb\n\nc"), all), ["a", "b", "", "c"]);
  assert.deepEqual(tailLines(enc("a\nb\n"), all), ["a", "b"]);
  assert.deepEqual(tailLines(enc("\n"), all), [""]);
  assert.deepEqual(tailLines(enc(""), all), []);
  assert.deepEqual(tailLines(enc("a\nb\nc\n"), { ...all, count: 2 }), ["b", "c"]);
  assert.deepEqual(tailLines(enc("a\nb\n"), { ...all, count: 0 }), []);
});

Deno.test("tailLines: a piece whose start was dropped is left out unless it is all there is", () => {
  const mid = { ...all, startsLine: false };
  assert.deepEqual(tailLines(enc("tail of old\nwhole\n"), mid), ["whole"]);
  assert.deepEqual(tailLines(enc("only a piece"), mid), ["only a piece"]);
});

Deno.test("tailLines: a line past the bound is cut on a character boundary and marked", () => {
  const cut = { ...all, lineMax: 4 };
  assert.deepEqual(tailLines(enc("abcdefgh\nabcd\n"), cut), ["abcd" + CUT_MARKER, "abcd"]);
  // "aéé" is 5 bytes; cutting at 4 would split the second "é".
  assert.deepEqual(tailLines(enc("aééx\n"), cut), ["aé" + CUT_MARKER]);
});

Deno.test("CapturedStream: lines cut from the kept bytes, counters, no capture", () => {
  const s = new CapturedStream({ keepBytes: 8, lineMax: 100 });
  s.write(enc("first\nsecond\n"));
  assert.deepEqual(s.lines(10), ["second"]);
  assert.equal(s.truncated, true);
  assert.deepEqual(s.counters(), { bytes: 13, dropped_bytes: 5, cut_lines: 0 });
  const exact = new CapturedStream({ keepBytes: 7, lineMax: 100 });
  exact.write(enc("first\nsecond\n"));
  assert.deepEqual(exact.lines(10), ["second"], "a line that starts the kept bytes is whole");
  const off = new CapturedStream({ keepBytes: null, lineMax: 100 });
  off.write(enc("secret\n"));
  assert.deepEqual(off.lines(10), []);
  assert.deepEqual(off.since(0), { bytes: new Uint8Array(0), dropped: 0 });
  assert.deepEqual(off.counters(), { bytes: 7, dropped_bytes: 7, cut_lines: 0 });
});
