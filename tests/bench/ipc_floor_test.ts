import assert from "node:assert/strict";
import { floorAnswerBody, MIN_FLOOR_ANSWER_BYTES } from "../../bench/measure/floor_server.ts";
import { encodeRequestFrame, FramedClient } from "../../bench/measure/framed_client.ts";
import { FloorServer, measureIpcFloor } from "../../bench/measure/ipc_floor.ts";
import { isAlive } from "../../bench/measure/proc.ts";

Deno.test("floorAnswerBody: a success JSON of exactly the asked size (at least the minimum)", () => {
  for (const n of [0, MIN_FLOOR_ANSWER_BYTES, 100, 3071]) {
    const body = floorAnswerBody(n);
    assert.equal(body.length, Math.max(n, MIN_FLOOR_ANSWER_BYTES));
    const v = JSON.parse(new TextDecoder().decode(body));
    assert.equal(v.status, "success");
    assert.equal(typeof v.data, "string");
  }
});

Deno.test("FloorServer: answers each frame, pipelined ones too; stop ends it by pid", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fl" });
  const server = await FloorServer.start(`${dir}/f.sock`, 500, { logFile: `${dir}/floor.log` });
  const pid = server.pid;
  try {
    const c = await FramedClient.connect(server.path);
    try {
      const frame = encodeRequestFrame({ command: "status" });
      await c.call(frame);
      assert.equal(c.lastAnswerBytes, 500);
      assert.equal((c.firstAnswer as { status: string }).status, "success");
      // Two frames in one write get two answers.
      const two = new Uint8Array(frame.length * 2);
      two.set(frame);
      two.set(frame, frame.length);
      await c.call(two);
      await c.call(new Uint8Array(0)); // sends nothing, reads the second answer
      assert.equal(c.lastAnswerBytes, 500);
    } finally {
      c.close();
    }
    // A framing violation (length 0) makes it drop that connection only.
    const bad = await FramedClient.connect(server.path);
    try {
      await assert.rejects(bad.call(new Uint8Array(4)), /Connection closed after 0 of 4/);
    } finally {
      bad.close();
    }
    assert.ok(isAlive(pid));
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(isAlive(pid), false);
});

Deno.test("FloorServer.start: bad arguments make it exit, with the reason", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fl" });
  try {
    await assert.rejects(
      FloorServer.start(`${dir}/f.sock`, -1, { logFile: `${dir}/floor.log`, timeoutMs: 15_000 }),
      /Floor server exited: .*Usage: floor_server\.ts/s,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("measureIpcFloor: latencies, rate and server CPU; the server is gone after", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fl" });
  try {
    const r = await measureIpcFloor({
      dir,
      answerBytes: 1000,
      calls: 30,
      warmup: 5,
      connections: 5,
      ms: 150,
    });
    assert.equal(r.latenciesNs.length, 30);
    assert.ok(r.latenciesNs.every((v) => v > 0));
    assert.ok(r.rps > 0);
    assert.ok(r.serverCpuPct === null || r.serverCpuPct >= 0);
    await assert.rejects(Deno.stat(`${dir}/f.sock`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
