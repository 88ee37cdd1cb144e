import assert from "node:assert/strict";
import { encodeRequestFrame, FramedClient } from "../../bench/measure/framed_client.ts";
import { FloorServer } from "../../bench/measure/ipc_floor.ts";
import { isAlive } from "../../bench/measure/proc.ts";
import { compareTransports, formatComparison } from "../../bench/measure/transport_compare.ts";

Deno.test("FloorServer over node:net: answers each frame, pipelined ones too; stop ends it and removes the socket", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fn" });
  const server = await FloorServer.start(`${dir}/f.sock`, 300, {
    logFile: `${dir}/floor.log`,
    transport: "node",
  });
  const pid = server.pid;
  try {
    assert.equal((await Deno.lstat(server.path)).mode! & 0o777, 0o600);
    const c = await FramedClient.connect(server.path);
    try {
      const frame = encodeRequestFrame({ command: "status" });
      await c.call(frame);
      assert.equal(c.lastAnswerBytes, 300);
      const two = new Uint8Array(frame.length * 2);
      two.set(frame);
      two.set(frame, frame.length);
      await c.call(two);
      await c.call(new Uint8Array(0));
      assert.equal(c.lastAnswerBytes, 300);
    } finally {
      c.close();
    }
  } finally {
    await server.stop();
  }
  assert.equal(isAlive(pid), false);
  await assert.rejects(Deno.lstat(`${dir}/f.sock`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compareTransports: figures for Deno.listen and node:net; formatComparison lays them out", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fn" });
  try {
    const rows = await compareTransports({ dir, calls: 20, warmup: 5, connections: 3, ms: 100 });
    assert.deepEqual(rows.map((r) => r.transport), ["deno", "node"]);
    for (const r of rows) {
      assert.ok(r.p50Us > 0 && r.p99Us >= r.p50Us && r.rps > 0);
    }
    const text = formatComparison(rows, 3);
    assert.match(text, /^transport +p50 µs +p99 µs +req\/s \(3 conns\) +server CPU\n/);
    assert.match(text, /\nDeno\.listen +\d+\.\d +\d+\.\d +\d+ /);
    assert.match(text, /\nnode:net +\d+\.\d +\d+\.\d +\d+ /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
