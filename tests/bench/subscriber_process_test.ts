import assert from "node:assert/strict";
import { SampleLog, sentAt } from "../../bench/measure/subscriber_process.ts";
import { targetFor } from "../../bench/targets.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("subscribe bench: the send time is read from the event frame's first arg", () => {
  assert.equal(
    sentAt(enc('{"type":"event","id":9,"data":{"command":"status","args":["1764592000123.456"]}}')),
    1764592000123.456,
  );
  assert.equal(sentAt(enc('{"type":"event","data":{"command":"subscribe","args":[]}}')), null);
  assert.equal(sentAt(enc('{"type":"event","data":{"args":["web"]}}')), null);
  assert.equal(sentAt(enc('{"type":"heartbeat"}')), null);
  assert.equal(sentAt(enc('{"data":{"args":["12.5.1"]}}')), null);
  // a frame inside a larger read buffer: only bytes [from, to) are read
  const frame = '{"data":{"args":["1764592000123.5"]}}';
  const buf = enc(`xx${frame}{"data":{"args":["7"]}}`);
  assert.equal(sentAt(buf, 2, 2 + frame.length), 1764592000123.5);
  assert.equal(sentAt(buf, 2, 2 + frame.length - 4), null); // the closing quote is cut off
});

Deno.test("subscribe bench: the targets of its rows", () => {
  assert.equal(
    targetFor("subscribe: delivery latency p99, 100 subscribers, 1,000 events/s")?.value,
    5,
  );
  assert.equal(targetFor("subscribe: p99 with a stalled subscriber / without")?.value, 1.2);
  assert.equal(
    targetFor("subscribe: delivery latency p99 with one subscriber stalled, 100 …"),
    null,
  );
});

Deno.test("subscribe bench: the sample log keeps pairs in order across blocks", () => {
  const log = new SampleLog();
  assert.equal(log.size, 0);
  assert.deepEqual(log.flat(), []);
  const pairs = SampleLog.BLOCK; // two blocks' worth of numbers
  for (let i = 0; i < pairs; i++) log.add(i, i + 0.0004);
  assert.equal(log.size, pairs);
  const flat = log.flat();
  assert.equal(flat.length, pairs * 2);
  assert.deepEqual(flat.slice(0, 4), [0, 0, 1, 1], "rounded to µs");
  assert.deepEqual(flat.slice(-2), [pairs - 1, pairs - 1]);
  log.add(7.5, 0.25);
  assert.deepEqual(log.flat().slice(-2), [7.5, 0.25]);
});
