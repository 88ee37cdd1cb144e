import assert from "node:assert/strict";
import { ClientError, ControlClient, requestOnce } from "../../lib/control/client.ts";
import { encodeFrame } from "../../lib/control/frame.ts";
import { RawConn, shortTempDir, startHarness, until } from "./_helpers.ts";

Deno.test("client: pipelined requests resolve in order on one connection", async () => {
  const h = await startHarness();
  const client = await ControlClient.connect(h.socket);
  try {
    const answers = await Promise.all([
      client.request("call", ["job"], { inputs: { secs: "0.2" } }),
      client.request("ps"),
      client.request("status", ["ghost"]),
      client.request("stats"),
    ]);
    assert.deepEqual(answers.map((a) => a.status), ["success", "success", "error", "success"]);
    assert.equal((answers[0] as { data: { stdout: string } }).data.stdout, "out-0.2\n");
    assert.ok("agents" in (answers[1] as { data: object }).data);
    assert.equal((answers[2] as { code: number }).code, 404);
    assert.equal((answers[3] as { data: { total_agents: number } }).data.total_agents, 2);
  } finally {
    client.close();
    await h.close();
  }
});

Deno.test("client: connect errors name the path, its origin and what is there", async () => {
  const dir = await shortTempDir();
  try {
    const missing = `${dir}/none.sock`;
    await assert.rejects(ControlClient.connect(missing), (e: unknown) => {
      assert.ok(e instanceof ClientError);
      assert.equal(e.kind, "connect");
      assert.equal(e.message, `Cannot connect to "${missing}": no such file`);
      return true;
    });
    await assert.rejects(
      ControlClient.connect(missing, { origin: "from --socket" }),
      { message: `Cannot connect to "${missing}" (from --socket): no such file` },
    );
    // a socket file nobody listens on: bind, then close without unlink (rename it away first)
    const stale = `${dir}/stale.sock`;
    const listener = Deno.listen({ transport: "unix", path: `${dir}/tmp.sock` });
    await Deno.rename(`${dir}/tmp.sock`, stale);
    listener.close();
    await assert.rejects(requestOnce(stale, { command: "ps" }), {
      message: `Cannot connect to "${stale}": connection refused: no orchestrator listens on ` +
        "this socket (left behind by one that was killed?)",
    });
    // not sockets at all: each says what is there instead of "connection refused"
    await Deno.writeTextFile(`${dir}/file`, "");
    await Deno.mkdir(`${dir}/dir`);
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output();
    assert.equal(fifo.code, 0);
    for (
      const [name, kind] of [["file", "a regular file"], ["dir", "a directory"], ["fifo", "a FIFO"]]
    ) {
      await assert.rejects(ControlClient.connect(`${dir}/${name}`), {
        message: `Cannot connect to "${dir}/${name}": not a socket (${kind})`,
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client: no answer within timeoutMs rejects with kind timeout", async () => {
  const h = await startHarness();
  const client = await ControlClient.connect(h.socket, { timeoutMs: 200 });
  try {
    await assert.rejects(
      client.request("call", ["job"], { inputs: { secs: "3" } }),
      (e: unknown) => e instanceof ClientError && e.kind === "timeout",
    );
    await assert.rejects(client.request("ps"), ClientError); // the connection is closed after a timeout
  } finally {
    client.close();
    await h.close();
  }
});

Deno.test("client: a server answer that is not a response is a protocol error", async () => {
  const dir = await shortTempDir();
  const path = `${dir}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const serving = (async () => {
    const conn = await listener.accept();
    const raw = new Uint8Array(64);
    await conn.read(raw);
    await conn.write(encodeFrame({ hello: "world" }));
    conn.close();
  })();
  try {
    await assert.rejects(
      requestOnce(path, { command: "ps" }),
      (e: unknown) => e instanceof ClientError && e.kind === "protocol",
    );
  } finally {
    await serving;
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server: a client that never reads is bounded, others are served, it is closed at idle", async () => {
  const h = await startHarness({ command_idle_timeout: 0.5 });
  const hog = await RawConn.open(h.socket);
  try {
    // ~5,000 pipelined `report` requests, answers never read
    const frame = encodeFrame({ command: "report" });
    const batch = new Uint8Array(frame.length * 100);
    for (let i = 0; i < 100; i++) batch.set(frame, i * frame.length);
    const writing = (async () => {
      try {
        for (let i = 0; i < 50; i++) await hog.write(batch);
      } catch {
        // the server closed us
      }
    })();
    for (let i = 0; i < 5; i++) {
      const res = await requestOnce(h.socket, { command: "ps" }, { timeoutMs: 5000 });
      assert.equal(res.status, "success");
    }
    // closed after the idle timeout although it still has answers pending
    await until(() => h.server.connections === 0, 10_000);
    hog.close();
    await writing;
    // bounded: the server stopped reading once its backlog for the hog was full
    const reports = h.store.query({ event: "COMMAND_EXECUTED", limit: 10_000 })
      .filter((e) => e.data.command === "report").length;
    assert.ok(reports > 0 && reports < 5000, `processed ${reports} of 5000`);
  } finally {
    hog.close();
    await h.close();
  }
});
