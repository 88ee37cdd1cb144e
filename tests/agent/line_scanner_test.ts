import assert from "node:assert/strict";
import { LINES_PER_SCAN, LineScanner } from "../../lib/agent/line_scanner.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** Feeds `chunks` to `scanner` the way the reader does (again from the offset reached). */
function feed(scanner: LineScanner, chunks: string[]): void {
  for (const text of chunks) {
    const chunk = enc(text);
    for (let at = 0; at < chunk.length;) {
      const next = scanner.scan(chunk, at);
      assert.ok(next > at, "every scan makes progress");
      at = next;
    }
  }
}

Deno.test("LineScanner joins chunks into lines and strips \\r", () => {
  const lines: string[] = [];
  const s = new LineScanner(100, (l) => lines.push(l));
  feed(s, ["hel", "lo\r\nwor", "ld\n\n", "é", "\r", "\nlast"]);
  assert.deepEqual(lines, ["hello", "world", "", "é"]);
  s.end();
  assert.deepEqual(lines, ["hello", "world", "", "é", "last"]);
  assert.equal(s.cutLines, 0);
});

Deno.test("LineScanner cuts a line past the bound once and skips the rest", () => {
  const lines: string[] = [];
  const s = new LineScanner(8, (l) => lines.push(l));
  feed(s, ["short\n0123", "4567", "89abc", "def\nexactly8\nnext"]);
  s.end();
  assert.deepEqual(lines, ["short", "01234567", "exactly8", "next"]);
  assert.equal(s.cutLines, 1);
});

Deno.test("LineScanner hands a never-ending line over once, at the bound", () => {
  const lines: string[] = [];
  const s = new LineScanner(16, (l) => lines.push(l));
  for (let i = 0; i < 1000; i++) feed(s, ["y".repeat(1000)]);
  assert.deepEqual(lines, ["y".repeat(16)]);
  s.end();
  assert.deepEqual(lines, ["y".repeat(16)], "the cut rest is not a line");
  assert.equal(s.cutLines, 1);
});

Deno.test("LineScanner stops after LINES_PER_SCAN lines and resumes from the offset", () => {
  const lines: string[] = [];
  const s = new LineScanner(100, (l) => lines.push(l));
  const chunk = enc("x\n".repeat(LINES_PER_SCAN * 2 + 1));
  const first = s.scan(chunk, 0);
  assert.equal(first, LINES_PER_SCAN * 2);
  assert.equal(lines.length, LINES_PER_SCAN);
  let at = first;
  while (at < chunk.length) at = s.scan(chunk, at);
  assert.equal(lines.length, LINES_PER_SCAN * 2 + 1);
});

Deno.test("LineScanner without a callback counts the same cut lines as with one", () => {
  let seed = 3;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const max of [1, 7, 64]) {
    const chunks: string[] = [];
    for (let i = 0; i < 200; i++) {
      let text = "";
      const n = rand(200) + 1;
      for (let j = 0; j < n; j++) text += rand(6) === 0 ? "\n" : "a";
      chunks.push(text);
    }
    const counting = new LineScanner(max, null);
    const lines: string[] = [];
    const listing = new LineScanner(max, (l) => lines.push(l));
    feed(counting, chunks);
    feed(listing, chunks);
    const whole = chunks.join("").split("\n");
    const want = whole.filter((l) => l.length > max).length;
    assert.equal(counting.cutLines, want, `max ${max}`);
    assert.equal(listing.cutLines, want, `max ${max}`);
    assert.ok(lines.every((l) => l.length <= max));
  }
});

Deno.test("LineScanner counting skips long runs of short lines in a few searches", () => {
  const s = new LineScanner(16 * 1024, null);
  const chunk = enc("y\n".repeat(32 * 1024));
  const t = performance.now();
  for (let i = 0; i < 200; i++) assert.equal(s.scan(chunk, 0), chunk.length);
  const ms = performance.now() - t;
  assert.equal(s.cutLines, 0);
  assert.ok(ms < 2000, `12.8 MB counted in ${ms.toFixed(0)} ms`);
});

Deno.test("LineScanner.listen: a callback added mid-line skips that line, then gets every line", () => {
  const lines: string[] = [];
  const s = new LineScanner(16, null);
  feed(s, ["before\nhalf"]);
  s.listen((l) => lines.push(l));
  feed(s, ["-line\nnext\n", "a"]);
  s.listen(null);
  feed(s, ["b\nquiet\n"]);
  s.listen((l) => lines.push(l));
  feed(s, ["again\n"]);
  s.end();
  assert.deepEqual(lines, ["next", "again"]);
  assert.equal(s.cutLines, 0);
});

Deno.test("LineScanner.listen: a skipped line past the bound still counts as cut", () => {
  const lines: string[] = [];
  const s = new LineScanner(8, null);
  feed(s, ["0123"]);
  s.listen((l) => lines.push(l));
  feed(s, ["456789", "ab\nok\n", "tail"]);
  s.end();
  assert.deepEqual(lines, ["ok", "tail"]);
  assert.equal(s.cutLines, 1);
});

Deno.test("LineScanner.listen: switching callbacks keeps the line under way", () => {
  const first: string[] = [];
  const second: string[] = [];
  const s = new LineScanner(100, (l) => first.push(l));
  feed(s, ["one\ntw"]);
  s.listen((l) => second.push(l));
  feed(s, ["o\n"]);
  s.end();
  assert.deepEqual([first, second], [["one"], ["two"]]);
});
