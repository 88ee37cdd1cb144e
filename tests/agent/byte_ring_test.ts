import assert from "node:assert/strict";
import { ByteRing } from "../../lib/agent/byte_ring.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The same bytes through a naive model: everything appended, the last `cap` kept. */
function model(chunks: Uint8Array[], cap: number): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all.subarray(Math.max(0, all.length - cap));
}

Deno.test("ByteRing keeps the newest bytes within its capacity", () => {
  const ring = new ByteRing(6);
  assert.equal(ring.bytes().length, 0);
  ring.write(enc("abcd"));
  assert.equal(dec(ring.bytes()), "abcd");
  assert.equal(ring.dropped, 0);
  assert.equal(ring.byteBefore, -1);
  ring.write(enc("efgh"));
  assert.equal(dec(ring.bytes()), "cdefgh");
  assert.equal(ring.dropped, 2);
  assert.equal(ring.total, 8);
  assert.equal(String.fromCharCode(ring.byteBefore), "b");
  ring.write(enc("0123456789"));
  assert.equal(dec(ring.bytes()), "456789");
  assert.equal(String.fromCharCode(ring.byteBefore), "3");
  ring.write(enc("ABCDEF"));
  assert.equal(dec(ring.bytes()), "ABCDEF");
  assert.equal(String.fromCharCode(ring.byteBefore), "9");
});

Deno.test("ByteRing matches a naive model over random chunk sizes", () => {
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const cap of [1, 5, 1000, 4096, 5000]) {
    const ring = new ByteRing(cap);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const chunk = new Uint8Array(rand(cap * 2 + 3)).map(() => rand(256));
      chunks.push(chunk);
      ring.write(chunk);
      const want = model(chunks, cap);
      assert.deepEqual(ring.bytes(), want, `capacity ${cap}, write ${i}`);
      assert.equal(ring.length, want.length);
    }
  }
});

Deno.test("ByteRing.since returns one run's kept bytes and counts what it lost", () => {
  const ring = new ByteRing(10);
  ring.write(enc("old output\n"));
  const mark = ring.total;
  ring.write(enc("run"));
  assert.deepEqual(ring.since(mark), { bytes: enc("run"), dropped: 0 });
  ring.write(enc("-0123456789"));
  const later = ring.since(mark);
  assert.equal(dec(later.bytes), "0123456789");
  assert.equal(later.dropped, 4);
  assert.deepEqual(ring.since(ring.total), { bytes: new Uint8Array(0), dropped: 0 });
});

Deno.test("ByteRing stays within its capacity under 100 MB and allocates lazily", () => {
  const ring = new ByteRing(64 * 1024);
  const chunk = new Uint8Array(65536).fill(0x79);
  for (let i = 0; i < 1600; i++) ring.write(chunk);
  assert.equal(ring.length, 64 * 1024);
  assert.equal(ring.total, 1600 * 65536);
  assert.equal(ring.bytes().length, 64 * 1024);
  assert.equal(new ByteRing(1 << 30).bytes().length, 0);
});
