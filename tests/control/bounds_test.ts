/**
 * Hostile clients against a real ControlServer over a real orchestrator
 * (docs/protocol.md, "Limits"): unfinished frames, connection slots, and
 * client text echoed into answers, audit lines and events.
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import { auditLines, RawConn, startHarness, until } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("bounds: 64 half-sent frames never lock out a healthy client, and close at the frame deadline", async () => {
  // command_max_connections stays at its default, 64: the stalled clients take every slot
  const h = await startHarness({ command_frame_timeout: 0.5 });
  const stalled: RawConn[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      const c = await RawConn.open(h.socket);
      await c.write(new Uint8Array([0, 0, 0, 50, 0x7b, 0x22])); // 50 bytes announced, 2 sent
      stalled.push(c);
    }
    await until(() => h.server.connections === 64);
    await sleep(150); // two sweeps (every 62.5 ms here) have seen them stalled
    const start = performance.now();
    let served = 0;
    while (performance.now() - start < 1200) {
      const asked = performance.now();
      const client = await ControlClient.connect(h.socket);
      try {
        const res = await client.request("status", ["web"]);
        assert.equal(res.status, "success", JSON.stringify(res));
      } finally {
        client.close();
      }
      assert.ok(performance.now() - asked < 2000, "answered without waiting for a deadline");
      served++;
      await sleep(20);
    }
    assert.ok(served >= 10, `served ${served}`);
    // Every stalled connection is closed: at the deadline with a 400, or earlier to make room.
    let expired = 0;
    for (const c of stalled) {
      const first = await c.receive();
      if (first === "eof") continue;
      assert.deepEqual(first, {
        status: "error",
        code: 400,
        error: "Frame not finished within 0.5 s",
      });
      assert.equal(await c.receive(), "eof");
      expired++;
    }
    assert.ok(expired >= 64 - served, `${expired} expired, ${served} made room`);
    await until(() => h.server.connections === 0);
    // each expiry is audited like any framing violation
    const audit = await auditLines(h.config.cli_audit_log_path!);
    const lines = audit.filter((l) => l.includes("Frame not finished"));
    assert.equal(lines.length, expired);
    assert.match(lines[0], /command=- result=error code=400/);
  } finally {
    for (const c of stalled) c.close();
    await h.close();
  }
});

Deno.test("bounds: at the connection limit a silent connection makes room; a used one does not", async () => {
  const h = await startHarness({ command_max_connections: 2, command_frame_timeout: 0.5 });
  const silent = await RawConn.open(h.socket);
  const used = await RawConn.open(h.socket);
  let late: RawConn | null = null;
  let refused: RawConn | null = null;
  try {
    await used.send({ command: "ps" });
    assert.equal((await used.receive() as { status: string }).status, "success");
    await until(() => h.server.connections === 2);
    await sleep(150); // a sweep has seen them
    late = await RawConn.open(h.socket);
    await late.send({ command: "ps" });
    assert.equal((await late.receive() as { status: string }).status, "success");
    assert.equal(await silent.receive(), "eof", "the silent one was closed to make room");
    // now both slots are used: the next client is refused
    await sleep(150);
    refused = await RawConn.open(h.socket);
    assert.equal((await refused.receive() as { code: number }).code, 503);
    await used.send({ command: "ps" });
    assert.equal((await used.receive() as { status: string }).status, "success");
  } finally {
    silent.close();
    used.close();
    late?.close();
    refused?.close();
    await h.close();
  }
});

Deno.test("bounds: a 1 MiB agent name is capped in the 404, the audit line and the event", async () => {
  const h = await startHarness({ allowed_commands: "basic", command_max_frame_bytes: 2 << 20 });
  const c = await RawConn.open(h.socket);
  const name = "x".repeat(1024 * 1024);
  try {
    await c.send({ command: "status", args: [name], id: 1 });
    const res = await c.receive() as { code: number; error: string };
    assert.equal(res.code, 404);
    assert.equal(res.error, `Unknown agent "${"x".repeat(256)}…(1048320 more bytes)"`);
    // a command the client may not run, with 20 long arguments (800 KiB: within the frame limit)
    await c.send({ command: "stop", args: Array(20).fill("y".repeat(40 * 1024)), id: 2 });
    assert.equal((await c.receive() as { code: number }).code, 403);
    // an unknown option named by a huge key
    await c.send({ command: "status", options: { [name]: 1 }, id: 3 });
    const option = await c.receive() as { code: number; error: string };
    assert.equal(option.code, 400);
    assert.ok(option.error.length < 400, option.error);

    const audit = await auditLines(h.config.cli_audit_log_path!);
    assert.equal(audit.length, 3);
    for (const line of audit) assert.ok(line.length < 1500, `audit line of ${line.length}`);
    assert.match(audit[0], /agent="x{256}…\(1048320 more bytes\)" result=error code=404/);

    const events = h.store.query({ category: "command", limit: 10 }).reverse();
    assert.equal(events.length, 3);
    const [executed, rejected] = events;
    assert.equal(executed.event_name, "COMMAND_EXECUTED");
    assert.ok(executed.agent_name!.length <= 256, "the store bounds agent names itself");
    assert.deepEqual((executed.data as { args: string[] }).args, [
      "x".repeat(256) + "…(1048320 more bytes)",
    ]);
    assert.equal(rejected.event_name, "COMMAND_REJECTED");
    const args = (rejected.data as { args: string[] }).args;
    assert.equal(args.length, 17);
    assert.equal(args[0], "y".repeat(256) + "…(40704 more bytes)");
    assert.equal(args[16], "…(4 more)");
    assert.ok(JSON.stringify(rejected.data).length < 8 * 1024);
  } finally {
    c.close();
    await h.close();
  }
});
