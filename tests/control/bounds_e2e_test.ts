/**
 * Hostile clients against a real `orchestrator run` (docs/protocol.md,
 * "Limits"): the daemon's memory under clients that pipeline large requests
 * and never read, and the length of the lines a huge agent name makes.
 */

import assert from "node:assert/strict";
import { encodeRawFrame } from "../../lib/control/frame.ts";
import { startOrchestrator } from "../cli/_orchestrator.ts";
import { RawConn, until } from "./_helpers.ts";

const MIB = 1024 * 1024;

/** Resident set of `pid` in MiB (VmRSS). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  assert.ok(m !== null, "VmRSS is readable");
  return Number(m[1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `frame` over and over, never reading, until the server closes the connection. */
async function pipelineUntilClosed(conn: Deno.UnixConn, frame: Uint8Array): Promise<number> {
  let sent = 0;
  try {
    for (;;) {
      let off = 0;
      while (off < frame.length) off += await conn.write(frame.subarray(off));
      sent++;
    }
  } catch {
    return sent; // closed by the server (EPIPE / ECONNRESET)
  }
}

Deno.test("bounds e2e: 60 clients pipelining 1 MiB requests without reading stay within the memory bound", async () => {
  const buffered = 8 * MIB;
  const o = await startOrchestrator({
    command_max_buffered_bytes: buffered,
    command_idle_timeout: 3, // a client stuck under the bound is closed after this
  });
  const pid = o.child.pid;
  const conns: Deno.UnixConn[] = [];
  let sampling: ReturnType<typeof setInterval> | undefined;
  try {
    await sleep(1000);
    const idle = rssMiB(pid);
    // Each request echoes a 1 MiB id: a 1 MiB answer that its client never reads.
    const payload = new TextEncoder().encode(
      JSON.stringify({ command: "ps", id: "x".repeat(MIB - 64) }),
    );
    const frame = encodeRawFrame(payload);
    let peak = idle;
    sampling = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 50);
    const floods: Promise<number>[] = [];
    for (let i = 0; i < 60; i++) {
      const conn = await Deno.connect({ transport: "unix", path: o.socket });
      conns.push(conn);
      floods.push(pipelineUntilClosed(conn, frame));
    }
    // The server closes every one of them while they keep writing: a 503 for an answer or a
    // frame that does not fit, closed for not reading its answers when buffers ran short, or
    // (the few that fit under the bound) after the idle time.
    const closedBy = await Promise.race([
      Promise.all(floods).then(() => "server"),
      sleep(20_000).then(() => "timeout"),
    ]);
    clearInterval(sampling);
    // The documented bound: command_max_buffered_bytes + 64 KiB per connection, plus the
    // garbage collector's slack (generous: the machine is shared).
    assert.ok(
      peak < idle + buffered / MIB + 4 + 64,
      `peak RSS ${peak.toFixed(0)} MiB, idle ${idle.toFixed(0)} MiB`,
    );
    assert.equal(closedBy, "server", "every flooding connection was closed by the server");
    // Buffers are freed when the connections close, not kept for reuse.
    await until(() => rssMiB(pid) < idle + 64, 10_000).catch(() => {});
    const after = rssMiB(pid);
    assert.ok(after < idle + 64, `RSS ${after.toFixed(0)} MiB after, idle ${idle.toFixed(0)} MiB`);
    // and the orchestrator still answers
    const c = await RawConn.open(o.socket);
    await c.send({ command: "ps" });
    assert.equal((await c.receive() as { status: string }).status, "success");
    c.close();
  } finally {
    clearInterval(sampling);
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // closed
      }
    }
    const result = await o.stop();
    assert.equal(result.code, 0, result.stderr);
  }
});

Deno.test("bounds e2e: a 1 MiB agent name makes short log and audit lines and a short 404", async () => {
  const o = await startOrchestrator({
    allowed_commands: "basic",
    log_cli_commands: true,
    command_max_frame_bytes: 2 * MIB,
  });
  let stderr = "";
  try {
    const c = await RawConn.open(o.socket);
    for (let i = 0; i < 3; i++) {
      await c.send({ command: "status", args: ["n".repeat(MIB)] });
      const res = await c.receive() as { code: number; error: string };
      assert.equal(res.code, 404);
      assert.equal(res.error, `Unknown agent "${"n".repeat(256)}…(1048320 more bytes)"`);
    }
    c.close();
  } finally {
    const result = await o.stop();
    stderr = result.stderr;
  }
  const logged = stderr.split("\n").filter((l) => l.includes("command=status"));
  assert.equal(logged.length, 3, stderr.slice(0, 2000));
  for (const line of logged) assert.ok(line.length < 1500, `log line of ${line.length} bytes`);
  const longest = Math.max(...stderr.split("\n").map((l) => l.length));
  assert.ok(longest < 1500, `longest log line ${longest} bytes`);
});
