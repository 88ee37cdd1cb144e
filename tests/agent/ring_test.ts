import assert from "node:assert/strict";
import { LineRing, LineSplitter } from "../../lib/agent/ring.ts";

Deno.test("LineRing keeps the newest lines within its bound", () => {
  const ring = new LineRing(12);
  ring.push("aaaa");
  ring.push("bbbb");
  assert.deepEqual(ring.tail(10), ["aaaa", "bbbb"]);
  assert.equal(ring.truncated, false);
  ring.push("cccc");
  assert.deepEqual(ring.tail(10), ["bbbb", "cccc"]);
  assert.equal(ring.truncated, true);
  assert.deepEqual(ring.tail(1), ["cccc"]);
  assert.deepEqual(ring.tail(0), []);
});

Deno.test("LineRing cuts a line longer than the bound", () => {
  const ring = new LineRing(5);
  ring.push("0123456789");
  assert.deepEqual(ring.tail(5), ["0123"]);
});

Deno.test("LineRing.since returns the lines of one run that are still kept", () => {
  const ring = new LineRing(100);
  ring.push("old");
  const mark = ring.total;
  ring.push("new1");
  ring.push("new2");
  assert.deepEqual(ring.since(mark), ["new1", "new2"]);
  assert.equal(ring.droppedSince(mark), false);
});

Deno.test("LineRing stays bounded under a million lines", () => {
  const ring = new LineRing(1000);
  for (let i = 0; i < 1_000_000; i++) ring.push(`line ${i}`);
  assert.ok(ring.length <= 1000 / 7);
  assert.deepEqual(ring.tail(1), ["line 999999"]);
});

Deno.test("LineSplitter joins chunks, strips \\r and bounds partial lines", () => {
  const lines: string[] = [];
  const s = new LineSplitter(8, (l) => lines.push(l));
  s.write("hel");
  s.write("lo\r\nwor");
  s.write("ld\n\n");
  assert.deepEqual(lines, ["hello", "world", ""]);
  s.write("0123456789abc");
  assert.deepEqual(lines.slice(3), ["01234567"], "a partial line past the bound is emitted");
  s.end();
  assert.deepEqual(lines.slice(4), ["89abc"]);
});
