import assert from "node:assert/strict";
import {
  checkFrameLength,
  encodeFrame,
  encodeJsonFrame,
  encodeRawFrame,
  FrameBuffer,
  FrameReader,
} from "../../lib/control/frame.ts";
import { HEADER_BYTES } from "../../lib/protocol/limits.ts";

/** A byte source that hands out `data` in chunks of the given sizes (then the rest), then EOF. */
function source(data: Uint8Array, chunk = Infinity) {
  let off = 0;
  return {
    reads: 0,
    read(p: Uint8Array): Promise<number | null> {
      this.reads++;
      if (off >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, chunk, data.length - off);
      p.set(data.subarray(off, off + n));
      off += n;
      return Promise.resolve(n);
    },
  };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const text = (p: Uint8Array) => new TextDecoder().decode(p);

Deno.test("frame: encodeFrame writes a big-endian length and UTF-8 JSON", () => {
  const frame = encodeFrame({ command: "ps", name: "café" });
  const json = '{"command":"ps","name":"café"}';
  const len = new TextEncoder().encode(json).length;
  assert.deepEqual([...frame.subarray(0, 4)], [0, 0, 0, len]);
  assert.equal(text(frame.subarray(HEADER_BYTES)), json);
});

Deno.test("frame: many frames in one read come out one by one, then a clean EOF", async () => {
  const data = concat(encodeFrame({ a: 1 }), encodeFrame({ b: 2 }), encodeFrame({ c: 3 }));
  const src = source(data);
  const reader = new FrameReader(src);
  const got = [];
  for (;;) {
    const out = await reader.read();
    if (out.kind !== "frame") {
      assert.equal(out.kind, "eof");
      break;
    }
    got.push(JSON.parse(text(out.payload)));
  }
  assert.deepEqual(got, [{ a: 1 }, { b: 2 }, { c: 3 }]);
  assert.equal(src.reads, 2); // one read for all three frames, one for EOF
});

Deno.test("frame: one byte per read still yields whole frames", async () => {
  const big = "x".repeat(40_000); // larger than the initial buffer: it grows
  const data = concat(encodeFrame({ big }), encodeFrame({ n: 2 }));
  const reader = new FrameReader(source(data, 1), { initialBufferBytes: 16 });
  const first = await reader.read();
  assert.equal(first.kind, "frame");
  assert.equal(JSON.parse(text((first as { payload: Uint8Array }).payload)).big, big);
  const second = await reader.read();
  assert.equal(second.kind, "frame");
  assert.deepEqual(JSON.parse(text((second as { payload: Uint8Array }).payload)), { n: 2 });
  assert.deepEqual(await reader.read(), { kind: "eof" });
});

Deno.test("frame: zero length is a 400 protocol error", async () => {
  const reader = new FrameReader(source(new Uint8Array([0, 0, 0, 0, 1, 2])));
  const out = await reader.read();
  assert.equal(out.kind, "error");
  assert.equal((out as { code: number }).code, 400);
});

Deno.test("frame: a length over the limit is a 413 without reading the body", async () => {
  const header = new Uint8Array([0, 0, 4, 1]); // 1025 bytes
  const reader = new FrameReader(source(header), { maxFrameBytes: 1024 });
  const out = await reader.read();
  assert.deepEqual(out, {
    kind: "error",
    code: 413,
    message: "Frame too large: 1025 bytes (limit 1024)",
  });
  const huge = new FrameReader(source(new Uint8Array([0xff, 0xff, 0xff, 0xff])));
  assert.equal(((await huge.read()) as { code: number }).code, 413);
});

Deno.test("frame: EOF inside the header or the payload is a protocol error", async () => {
  const inHeader = new FrameReader(source(new Uint8Array([0, 0])));
  assert.equal((await inHeader.read()).kind, "error");
  const frame = encodeFrame({ command: "ps" });
  const inBody = new FrameReader(source(frame.subarray(0, frame.length - 1), 3));
  const out = await inBody.read();
  assert.equal(out.kind, "error");
  assert.equal((out as { code: number }).code, 400);
  assert.match((out as { message: string }).message, /mid-frame/);
});

Deno.test("frame: a frame exactly at the limit is accepted", async () => {
  const payload = new Uint8Array(1024).fill(0x20);
  const reader = new FrameReader(source(encodeRawFrame(payload)), { maxFrameBytes: 1024 });
  const out = await reader.read();
  assert.equal(out.kind, "frame");
  assert.equal((out as { payload: Uint8Array }).payload.length, 1024);
});

Deno.test("frame: checkFrameLength", () => {
  assert.equal(checkFrameLength(1, 10), null);
  assert.equal(checkFrameLength(10, 10), null);
  assert.equal(checkFrameLength(0, 10)?.code, 400);
  assert.equal(checkFrameLength(11, 10)?.code, 413);
});

Deno.test("frame: FrameBuffer frames texts back to back, grows, and reads back in order", async () => {
  const out = new FrameBuffer(8);
  const texts = ['{"a":1}', JSON.stringify({ s: "é€😀".repeat(50) }), "{}", '"x"'.repeat(1)];
  let total = 0;
  for (const t of texts) total += out.appendJson(t);
  assert.equal(out.length, total);
  assert.deepEqual(out.bytes(), concat(...texts.map(encodeJsonFrame)));
  const reader = new FrameReader(source(out.bytes().slice(), 5));
  for (const t of texts) {
    const r = await reader.read();
    assert.equal(r.kind, "frame");
    if (r.kind === "frame") assert.equal(text(r.payload), t);
  }
  assert.equal((await reader.read()).kind, "eof");
  out.clear();
  assert.equal(out.length, 0);
  out.appendJson("[1]");
  assert.deepEqual(out.bytes(), encodeJsonFrame("[1]"));
});

Deno.test("frame: encodeJsonFrame gives exact frames for short and long texts", () => {
  for (
    const json of ['"é"', JSON.stringify("x".repeat(20_000)), JSON.stringify("€".repeat(9_000))]
  ) {
    const frame = encodeJsonFrame(json);
    const payload = new TextEncoder().encode(json);
    assert.equal(frame.length, HEADER_BYTES + payload.length);
    assert.equal(new DataView(frame.buffer, frame.byteOffset).getUint32(0), payload.length);
    assert.deepEqual(frame.subarray(HEADER_BYTES), payload);
  }
  // frames are independent copies: encoding another text leaves the first intact
  const a = encodeJsonFrame('{"a":1}');
  encodeJsonFrame('{"b":2}');
  assert.equal(text(a.subarray(HEADER_BYTES)), '{"a":1}');
});

Deno.test("frame: a reader grown for a large frame shrinks back once the next frame is small", async () => {
  const big = encodeRawFrame(new Uint8Array(200_000).fill(0x20));
  const small = encodeFrame({ a: 1 });
  const reader = new FrameReader(source(concat(big, small), 4096), {
    maxFrameBytes: 1 << 20,
    initialBufferBytes: 16 * 1024,
  });
  assert.equal(reader.capacity, 16 * 1024);
  assert.equal(((await reader.read()) as { payload: Uint8Array }).payload.length, 200_000);
  assert.ok(reader.capacity >= 200_004, `grown to ${reader.capacity}`);
  assert.equal(text(((await reader.read()) as { payload: Uint8Array }).payload), '{"a":1}');
  // waiting for the next frame: the large buffer is gone before the wait
  assert.equal((await reader.read()).kind, "eof");
  assert.equal(reader.capacity, 16 * 1024, "no large buffer kept after the large frame");
});

/** A budget that records what was taken, refusing past `limit`. */
function budget(limit: number) {
  return {
    used: 0,
    tryTake(bytes: number) {
      if (this.used + bytes > limit) return false;
      this.used += bytes;
      return true;
    },
    take(bytes: number) {
      this.used += bytes;
    },
    release(bytes: number) {
      this.used -= bytes;
    },
  };
}

Deno.test("frame: a reader asks its budget before it grows; a refusal is a 503 outcome", async () => {
  const shared = budget(64 * 1024);
  const reader = new FrameReader(source(encodeRawFrame(new Uint8Array(100_000)), 8192), {
    maxFrameBytes: 1 << 20,
    budget: shared,
  });
  assert.equal(shared.used, 16 * 1024, "the initial buffer is counted");
  const out = await reader.read();
  assert.equal(out.kind, "error");
  assert.equal((out as { code: number }).code, 503);
  assert.match((out as { message: string }).message, /^Server busy: no buffer space left/);
  assert.ok(shared.used <= 64 * 1024, `used ${shared.used}`);
  reader.release();
  assert.equal(shared.used, 0, "release gives everything back");
  assert.equal(reader.capacity, 0, "and frees the buffer");
  reader.release();
  assert.equal(shared.used, 0, "release is idempotent");
  assert.equal((await reader.read()).kind, "eof", "a released reader reads nothing more");
});

Deno.test("frame: the budget sees a reader grow and shrink", async () => {
  const shared = budget(Infinity);
  const big = encodeRawFrame(new Uint8Array(100_000));
  const reader = new FrameReader(source(concat(big, encodeFrame({})), 8192), {
    maxFrameBytes: 1 << 20,
    budget: shared,
  });
  await reader.read();
  assert.equal(shared.used, reader.capacity);
  assert.ok(shared.used >= 100_004);
  await reader.read();
  assert.equal((await reader.read()).kind, "eof");
  assert.equal(shared.used, 16 * 1024);
});

Deno.test("frame: FrameBuffer keeps no large buffer after clear, and sizes large texts exactly", () => {
  const out = new FrameBuffer();
  const json = JSON.stringify("x".repeat(1024 * 1024));
  const size = out.appendJson(json);
  assert.equal(size, HEADER_BYTES + json.length);
  assert.ok(out.capacity <= size * 1.25, `capacity ${out.capacity} for ${size} bytes`);
  out.clear();
  assert.ok(out.capacity <= 64 * 1024, `kept ${out.capacity} bytes`);
  out.appendJson("{}");
  out.release();
  assert.equal(out.capacity, 0);
  assert.equal(out.length, 0);
  out.appendJson("[1]"); // usable again
  assert.deepEqual(out.bytes(), encodeJsonFrame("[1]"));
});
