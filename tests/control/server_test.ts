import assert from "node:assert/strict";
import { encodeRawFrame } from "../../lib/control/frame.ts";
import { ControlServer } from "../../lib/control/server.ts";
import { AuditLog } from "../../lib/control/audit.ts";
import { ControlClient } from "../../lib/control/client.ts";
import { auditLines, RawConn, shortTempDir, startHarness, until } from "./_helpers.ts";

Deno.test("server: socket is created 0600 in a new parent dir and removed on close", async () => {
  const h = await startHarness();
  try {
    const info = await Deno.lstat(h.socket);
    assert.equal(info.isSocket, true);
    assert.equal(info.mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${h.dir}/run`)).mode! & 0o777, 0o700);
    // nothing else was left next to it (the private bind dir is gone)
    assert.deepEqual([...Deno.readDirSync(`${h.dir}/run`)].map((e) => e.name), ["o.sock"]);
    await h.server.close();
    await assert.rejects(Deno.lstat(h.socket), Deno.errors.NotFound);
  } finally {
    await h.close();
  }
});

Deno.test("server: 0660 socket mode is applied before the socket appears", async () => {
  const h = await startHarness({ command_socket_permissions: 0o660 });
  try {
    assert.equal((await Deno.lstat(h.socket)).mode! & 0o777, 0o660);
    assert.equal((await Deno.stat(`${h.dir}/run`)).mode! & 0o777, 0o750);
  } finally {
    await h.close();
  }
});

Deno.test("server: every response code from real requests (400 403 404 409 504)", async () => {
  const h = await startHarness({ command_timeout: 0.3, blocked_commands: ["pause"] });
  const c = await RawConn.open(h.socket);
  try {
    await c.send({ command: "ps", args: ["extra"], id: 1 });
    assert.deepEqual(await c.receive(), {
      status: "error",
      code: 400,
      error: "Command 'ps' takes no arguments",
      id: 1,
    });
    await c.send({ command: "pause", args: ["web"], id: 2 });
    assert.equal((await c.receive() as { code: number }).code, 403);
    await c.send({ command: "nope", id: 3 });
    assert.equal((await c.receive() as { code: number }).code, 404);
    await c.send({ command: "status", args: ["ghost"], id: 4 });
    assert.equal((await c.receive() as { code: number }).code, 404);
    await until(() => h.orchestrator.status("web").state === "running");
    await c.send({ command: "resume", args: ["web"], id: 5 });
    const conflict = await c.receive() as { code: number; error: string };
    assert.equal(conflict.code, 409);
    assert.match(conflict.error, /web/);
    await c.send({ command: "call", args: ["job"], options: { inputs: { secs: "5" } }, id: 6 });
    assert.deepEqual(await c.receive(), {
      status: "error",
      code: 504,
      error: "Command 'call' timed out after 0.3 s",
      id: 6,
    });
    // the connection is still usable after all of that
    await c.send({ command: "stats", id: 7 });
    const ok = await c.receive() as { status: string; data: { total_agents: number } };
    assert.equal(ok.status, "success");
    assert.equal(ok.data.total_agents, 2);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: a 403 answers exactly the documented text, with the id when given", async () => {
  const h = await startHarness({
    allowed_commands: ["ps", "status", "shutdown"],
    blocked_commands: ["shutdown"],
  });
  const c = await RawConn.open(h.socket);
  try {
    await c.send({ command: "shutdown" });
    assert.equal(
      await c.receiveText(),
      `{"status":"error","code":403,"error":"Command 'shutdown' not allowed"}`,
    );
    await c.send({ command: "shutdown", id: "x1" });
    assert.equal(
      await c.receiveText(),
      `{"status":"error","code":403,"error":"Command 'shutdown' not allowed","id":"x1"}`,
    );
    assert.deepEqual(h.shutdowns, []);
    await c.send({ command: "stats" }); // known, not whitelisted
    assert.equal((await c.receive() as { code: number }).code, 403);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: bad UTF-8 and bad JSON answer 400 and the connection stays usable", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  try {
    await c.write(encodeRawFrame(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])));
    const bad = await c.receive() as { code: number; error: string };
    assert.equal(bad.code, 400);
    assert.match(bad.error, /UTF-8/);
    await c.write(encodeRawFrame(new TextEncoder().encode("{not json")));
    assert.equal((await c.receive() as { code: number }).code, 400);
    await c.send(["ps"]);
    assert.equal((await c.receive() as { code: number }).code, 400);
    await c.send({ command: "ps", id: 9 });
    const ok = await c.receive() as { status: string; id: number };
    assert.equal(ok.status, "success");
    assert.equal(ok.id, 9);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: a zero-length frame answers 400 once and closes", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  try {
    await c.write(new Uint8Array([0, 0, 0, 0]));
    assert.equal((await c.receive() as { code: number }).code, 400);
    assert.equal(await c.receive(), "eof");
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: an oversize frame answers 413 once and closes; others unaffected", async () => {
  const h = await startHarness({ command_max_frame_bytes: 1024 });
  const c = await RawConn.open(h.socket);
  const other = await RawConn.open(h.socket);
  try {
    await c.write(new Uint8Array([0, 0, 0x10, 0])); // 4096 bytes announced
    const answer = await c.receive() as { code: number; error: string };
    assert.equal(answer.code, 413);
    assert.match(answer.error, /4096 bytes \(limit 1024\)/);
    assert.equal(await c.receive(), "eof");
    await other.send({ command: "ps" });
    assert.equal((await other.receive() as { status: string }).status, "success");
  } finally {
    c.close();
    other.close();
    await h.close();
  }
});

Deno.test("server: a half-sent frame stalls only its own connection, then idles out", async () => {
  const h = await startHarness({ command_idle_timeout: 0.5 });
  const stalled = await RawConn.open(h.socket);
  try {
    await stalled.write(new Uint8Array([0, 0, 0, 50, 0x7b, 0x22])); // 50 announced, 2 sent
    for (let i = 0; i < 5; i++) {
      const client = await ControlClient.connect(h.socket);
      const res = await client.request("status", ["web"]);
      assert.equal(res.status, "success");
      client.close();
    }
    // the stalled connection is closed by the idle timeout, without an answer
    assert.equal(await stalled.receive(), "eof");
  } finally {
    stalled.close();
    await h.close();
  }
});

Deno.test("server: pipelined requests are answered in request order", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  try {
    const frames = [
      { command: "call", args: ["job"], options: { inputs: { secs: "0.3" } }, id: 1 },
      { command: "ps", id: 2 },
      { command: "nope", id: 3 },
      { command: "status", args: ["web"], id: 4 },
    ].map((r) => new TextEncoder().encode(JSON.stringify(r)));
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length + 4, 0));
    let off = 0;
    for (const f of frames) {
      all.set(encodeRawFrame(f), off);
      off += f.length + 4;
    }
    await c.write(all); // all four in one write
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await c.receive() as { id: number }).id);
    assert.deepEqual(ids, [1, 2, 3, 4]);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: answers sent while an earlier command runs wait for it, in order", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  try {
    await c.send({ command: "call", args: ["job"], options: { inputs: { secs: "0.3" } }, id: 1 });
    // separate writes, while the call is still running
    await c.send({ command: "ps", id: 2 });
    await c.send({ command: "nope", id: 3 });
    await c.send({ command: "status", args: ["web"], id: 4 });
    await c.send({ command: "stats", id: 5 });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await c.receive() as { id: number; status: string });
    assert.deepEqual(answers.map((a) => a.id), [1, 2, 3, 4, 5]);
    assert.deepEqual(answers.map((a) => a.status), [
      "success",
      "success",
      "error",
      "success",
      "success",
    ]);
    // the connection is still usable afterwards
    await c.send({ command: "ps", id: 6 });
    assert.equal((await c.receive() as { id: number }).id, 6);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: a connection that keeps sending is not idled out", async () => {
  const h = await startHarness({ command_idle_timeout: 0.2 });
  const c = await RawConn.open(h.socket);
  try {
    // requests every 50 ms for four idle timeouts
    for (let i = 0; i < 16; i++) {
      await c.send({ command: "ps", id: i });
      assert.equal((await c.receive() as { id: number }).id, i);
      await new Promise((r) => setTimeout(r, 50));
    }
    // then silence: it is closed
    assert.equal(await c.receive(), "eof");
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: connections over the limit get 503 and are closed", async () => {
  const h = await startHarness({ command_max_connections: 2 });
  const a = await RawConn.open(h.socket);
  const b = await RawConn.open(h.socket);
  const c = await RawConn.open(h.socket);
  try {
    for (const conn of [a, b]) {
      await conn.send({ command: "ps" });
      assert.equal((await conn.receive() as { status: string }).status, "success");
    }
    const refused = await c.receive() as { code: number; error: string };
    assert.equal(refused.code, 503);
    assert.match(refused.error, /Too many connections \(limit 2\)/);
    assert.equal(await c.receive(), "eof");
    // a slot frees when a client leaves
    a.close();
    await until(() => h.server.connections < 2);
    const d = await RawConn.open(h.socket);
    await d.send({ command: "ps" });
    assert.equal((await d.receive() as { status: string }).status, "success");
    d.close();
  } finally {
    a.close();
    b.close();
    c.close();
    await h.close();
  }
});

Deno.test("server: drain finishes in-flight commands, then new requests get 503", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  try {
    await c.send({ command: "call", args: ["job"], options: { inputs: { secs: "0.3" } }, id: 1 });
    await until(() => h.orchestrator.status("job").state === "running");
    const drained = h.server.drain(5000);
    await c.send({ command: "ps", id: 2 });
    const first = await c.receive() as { status: string; id: number };
    assert.equal(first.status, "success"); // the call in flight finished
    assert.equal(first.id, 1);
    assert.deepEqual(await c.receive(), {
      status: "error",
      code: 503,
      error: "Orchestrator is shutting down",
      id: 2,
    });
    assert.equal(await drained, true);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: shutdown answers first, then calls onShutdownRequested", async () => {
  const h = await startHarness();
  const client = await ControlClient.connect(h.socket);
  try {
    const res = await client.request("shutdown");
    assert.deepEqual(res, { status: "success", data: { message: "Shutdown initiated" } });
    await until(() => h.shutdowns.length === 1);
    assert.deepEqual(h.shutdowns, ["shutdown command"]);
  } finally {
    client.close();
    await h.close();
  }
});

Deno.test("server: one audit line per request, blocked marked, events recorded", async () => {
  const h = await startHarness({ allowed_commands: "monitoring" });
  const client = await ControlClient.connect(h.socket, {
    identity: { uid: 4242, user: "ann\nforged", pid: 99 },
  });
  const raw = await RawConn.open(h.socket);
  try {
    assert.equal((await client.request("ps")).status, "success");
    assert.equal((await client.request("status", ["web"])).status, "success");
    assert.equal((await client.request("shutdown")).status, "error");
    assert.equal((await client.request("logs", ["web"])).status, "error");
    assert.equal((await client.request("nope")).status, "error");
    await raw.write(encodeRawFrame(new TextEncoder().encode("garbage")));
    await raw.receive();
    const lines = await auditLines(h.config.cli_audit_log_path!);
    assert.equal(lines.length, 6);
    assert.match(
      lines[0],
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[CLI\] user="ann\\nforged\(reported\)" command=ps result=success code=200 duration_ms=[\d.]+ uid=4242 pid=99$/,
    );
    assert.match(lines[1], / command=status agent=web result=success /);
    assert.match(lines[2], / command=shutdown result=blocked code=403 /);
    assert.match(lines[3], / command=logs agent=web result=blocked code=403 /);
    assert.match(lines[4], / command=nope result=error code=404 /);
    assert.match(lines[5], / user=unknown\(reported\) command=- result=error code=400 /);

    const events = h.store.query({ category: "command" });
    const summary = events.reverse().map((e) => `${e.event_name}:${e.data.command}:${e.data.code}`);
    assert.deepEqual(summary, [
      "COMMAND_EXECUTED:ps:200",
      "COMMAND_EXECUTED:status:200",
      "COMMAND_REJECTED:shutdown:403",
      "COMMAND_REJECTED:logs:403",
      "COMMAND_REJECTED:nope:404",
    ]);
    assert.equal(events[0].data.user, "ann\nforged");
  } finally {
    client.close();
    raw.close();
    await h.close();
  }
});

Deno.test("server: a live socket makes a second server refuse to start", async () => {
  const h = await startHarness();
  try {
    await assert.rejects(
      ControlServer.start({ controller: h.orchestrator, onShutdownRequested: () => {} }),
      /another orchestrator is listening on/,
    );
    // the first one still serves
    const client = await ControlClient.connect(h.socket);
    assert.equal((await client.request("ps")).status, "success");
    client.close();
  } finally {
    await h.close();
  }
});

Deno.test("server: a stale socket left by kill -9 is reclaimed", async () => {
  const dir = await shortTempDir();
  const path = `${dir}/run/o.sock`;
  await Deno.mkdir(`${dir}/run`);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.listen({ transport: "unix", path: ${
        JSON.stringify(path)
      } }); console.log("up"); setInterval(() => {}, 1000);`,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // "up"
  reader.releaseLock();
  Deno.kill(child.pid, "SIGKILL");
  await child.status;
  await child.stdout.cancel();
  assert.equal((await Deno.lstat(path)).isSocket, true); // the file survived the kill
  const h = await startHarness({}, dir);
  try {
    const client = await ControlClient.connect(path);
    assert.equal((await client.request("ps")).status, "success");
    client.close();
  } finally {
    await h.close();
  }
});

Deno.test("server: a path that is not a socket is refused and left alone", async () => {
  const dir = await shortTempDir();
  await Deno.mkdir(`${dir}/run`);
  await Deno.writeTextFile(`${dir}/run/o.sock`, "precious");
  try {
    await assert.rejects(startHarness({}, dir), /exists and is not a socket/);
    assert.equal(await Deno.readTextFile(`${dir}/run/o.sock`), "precious");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server: template environment values never appear in any answer", async () => {
  const secret = "s3cret-token-value";
  const h = await startHarness({
    agents: [{
      name: "api",
      tool_call_template: {
        command: "sleep",
        args: ["30"],
        environment: { API_TOKEN: secret, DERIVED: "x-${API_KEY_SRC}" },
      },
      values: { API_KEY_SRC: secret },
      stop_timeout: 1,
    }],
  });
  const client = await ControlClient.connect(h.socket);
  try {
    await until(() => h.orchestrator.status("api").state === "running");
    for (
      const [command, args] of [
        ["ps", []],
        ["status", []],
        ["status", ["api"]],
        ["stats", []],
        ["report", []],
        ["logs", ["api"]],
        ["history", []],
      ] as const
    ) {
      const res = await client.request(command, args);
      assert.equal(res.status, "success", command);
      assert.equal(JSON.stringify(res).includes(secret), false, command);
    }
  } finally {
    client.close();
    await h.close();
  }
});

Deno.test("server: a socket path too long to create safely is a clear error", async () => {
  const dir = await shortTempDir();
  try {
    const long = `${dir}/${"d".repeat(100 - dir.length)}/o.sock`;
    await assert.rejects(
      startHarness({ command_socket_path: long }, dir),
      /is too long|longer than/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server: hostile payloads get 400s and never take the server down", async () => {
  const h = await startHarness({ command_max_frame_bytes: 256 * 1024 });
  const c = await RawConn.open(h.socket);
  try {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const payloads = [
      deep,
      `{"command":"ps","options":{"a":${deep}}}`,
      `{"command":"history","options":{"limit":${deep}}}`,
      `{"command":"status","args":${JSON.stringify(Array(20_000).fill("web"))}}`,
      `{"command":"__proto__"}`,
      `{"command":"ps","options":{"__proto__":{"x":1}}}`,
      `{"command":"ps","id":1e999}`,
      "\uFEFF" + `{"command":"ps"}`,
    ];
    for (const p of payloads) {
      await c.write(encodeRawFrame(new TextEncoder().encode(p)));
      const res = await c.receive() as { status: string; code?: number };
      assert.equal(res.status, "error", p.slice(0, 40));
      assert.ok(res.code === 400 || res.code === 404, `${p.slice(0, 40)}: ${res.code}`);
    }
    await c.send({ command: "ps", id: "still-alive" });
    assert.equal((await c.receive() as { id: string }).id, "still-alive");
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: a repeated request is answered and recorded each time, under the identity reported then", async () => {
  const h = await startHarness();
  const raw = await RawConn.open(h.socket);
  try {
    const first = h.store.query({ category: "command", limit: 1 })[0]?.id ?? 0;
    const ask = { command: "status", client: { uid: 1, user: "ann", pid: 5 } };
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      await raw.send(ask);
      answers.push(await raw.receiveText());
    }
    await raw.send({ ...ask, client: { uid: 2, user: "bob", pid: 6 } });
    answers.push(await raw.receiveText());
    await raw.send({ ...ask, args: ["web"] });
    answers.push(await raw.receiveText());
    await raw.send(ask); // the same bytes as the first three again
    answers.push(await raw.receiveText());
    await raw.send({ command: "status", args: ["nope"] });
    answers.push(await raw.receiveText());

    for (const text of answers.slice(0, 4)) {
      const parsed = JSON.parse(text);
      assert.equal(parsed.status, "success");
      assert.equal(parsed.data.agents.length, h.config.agents.length);
    }
    assert.equal(JSON.parse(answers[4]).data.agent_name, "web");
    assert.equal(JSON.parse(answers[6]).code, 404);

    const events = h.store.query({ category: "command", limit: 100 })
      .filter((e) => e.id > first).reverse();
    /** One expected event: `[name, agent, data]` of a `status` by `user`. */
    const statusEvent = (user: string, agent: string | null, result = "success", code = 200) => [
      "COMMAND_EXECUTED",
      agent,
      { command: "status", args: agent === null ? [] : [agent], user, result, code },
    ];
    assert.deepEqual(events.map((e) => [e.event_name, e.agent_name, e.data]), [
      statusEvent("ann", null),
      statusEvent("ann", null),
      statusEvent("ann", null),
      statusEvent("bob", null),
      statusEvent("ann", "web"),
      statusEvent("ann", null),
      // No identity in this request: the connection's last one still stands.
      statusEvent("ann", "nope", "error", 404),
    ]);
  } finally {
    raw.close();
    await h.close();
  }
});

Deno.test("server: configure replaces allowed commands, timeout and audit log while serving", async () => {
  const h = await startHarness();
  const c = await RawConn.open(h.socket);
  const newAudit = `${h.dir}/audit2.log`;
  try {
    await c.send({ command: "stats", id: 1 });
    assert.equal((await c.receive() as { status: string }).status, "success");
    const old = h.server.dispatcher.policy.audit;
    h.server.dispatcher.configure({
      allowed: new Set(["ps", "call"]),
      timeoutMs: 300,
      audit: await AuditLog.open({ path: newAudit, log: false }),
    });
    assert.equal(old.enabled, false, "the replaced audit log is closed");
    // the same connection, under the new policy
    await c.send({ command: "stats", id: 2 });
    assert.deepEqual(await c.receive(), {
      status: "error",
      code: 403,
      error: "Command 'stats' not allowed",
      id: 2,
    });
    await c.send({ command: "call", args: ["job"], options: { inputs: { secs: "5" } }, id: 3 });
    assert.deepEqual(await c.receive(), {
      status: "error",
      code: 504,
      error: "Command 'call' timed out after 0.3 s",
      id: 3,
    });
    const before = await auditLines(h.config.cli_audit_log_path!);
    assert.equal(before.length, 1);
    assert.match(before[0], / command=stats result=success code=200 /);
    const after = await auditLines(newAudit);
    assert.equal(after.length, 2);
    assert.match(after[0], / command=stats result=blocked code=403 /);
    assert.match(after[1], / command=call agent=job result=timeout code=504 /);
  } finally {
    c.close();
    await h.close();
  }
});
