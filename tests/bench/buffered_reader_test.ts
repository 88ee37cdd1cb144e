import assert from "node:assert/strict";
import { BufferedReader, type ByteSource, indexOf } from "../../bench/measure/buffered_reader.ts";
import { LineSplitter } from "../../bench/measure/lines.ts";

/** A byte source that hands out the given chunks one read at a time. */
function chunks(...parts: string[]): ByteSource {
  const queue = parts.map((p) => new TextEncoder().encode(p));
  return {
    read(p: Uint8Array): Promise<number | null> {
      const next = queue.shift();
      if (next === undefined) return Promise.resolve(null);
      const n = Math.min(p.length, next.length);
      p.set(next.subarray(0, n));
      if (n < next.length) queue.unshift(next.subarray(n));
      return Promise.resolve(n);
    },
  };
}

const text = (b: Uint8Array | null) => b === null ? null : new TextDecoder().decode(b);

Deno.test("BufferedReader: readUntil across chunk boundaries, then readExact", async () => {
  const r = new BufferedReader(chunks("HTTP/1.1 200 OK\r", "\n\r", "\nab", "cdef"));
  assert.equal(
    text(await r.readUntil(new TextEncoder().encode("\r\n\r\n"))),
    "HTTP/1.1 200 OK\r\n\r\n",
  );
  assert.equal(text(await r.readExact(3)), "abc");
  assert.equal(text(await r.readExact(3)), "def");
  assert.equal(await r.readExact(1), null);
});

Deno.test("BufferedReader: EOF mid-item throws, clean EOF is null, over-limit throws", async () => {
  await assert.rejects(new BufferedReader(chunks("ab")).readExact(4), /after 2 of 4 bytes/);
  assert.equal(await new BufferedReader(chunks()).readUntil(new Uint8Array([10])), null);
  await assert.rejects(
    new BufferedReader(chunks("abc")).readUntil(new Uint8Array([10])),
    /before the delimiter/,
  );
  await assert.rejects(
    new BufferedReader(chunks("x"), { maxBytes: 8 }).readExact(9),
    /over the limit/,
  );
});

Deno.test("BufferedReader: grows its buffer for an item larger than 64 KiB", async () => {
  const big = "x".repeat(200_000);
  const r = new BufferedReader(chunks(big.slice(0, 70_000), big.slice(70_000), "\n"));
  assert.equal(text(await r.readUntil(new TextEncoder().encode("\n")))?.length, 200_001);
});

Deno.test("indexOf finds a needle from an offset", () => {
  const hay = new TextEncoder().encode("abcabc");
  assert.equal(indexOf(hay, new TextEncoder().encode("bc")), 1);
  assert.equal(indexOf(hay, new TextEncoder().encode("bc"), 2), 4);
  assert.equal(indexOf(hay, new TextEncoder().encode("x")), -1);
});

Deno.test("LineSplitter keeps the unfinished tail", () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push("a\nb"), ["a"]);
  assert.deepEqual(s.push("c\n\nd"), ["bc", ""]);
  assert.deepEqual(s.push("\n"), ["d"]);
});
