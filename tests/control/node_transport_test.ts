import assert from "node:assert/strict";
import type { NodeUnixConn } from "../../lib/control/node_conn.ts";
import { NodeUnixListener } from "../../lib/control/node_transport.ts";
import { removeSocket } from "../../lib/control/socket.ts";
import { handleFd, socketPath } from "../../lib/control/peer_cred.ts";
import { createServer } from "node:net";
import { OrchestratorError } from "../../lib/errors.ts";

function tempDir(): Promise<string> {
  return Deno.makeTempDir({ dir: "/tmp", prefix: "nt" });
}

/** Writes all of `data`, or stops (returning how much went) when writes stall for `stallMs`. */
async function writeUntilStalled(conn: Deno.Conn, data: Uint8Array, stallMs: number) {
  let written = 0;
  while (written < data.length) {
    const write = conn.write(data.subarray(written, written + 64 * 1024));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<"stalled">((
      r,
    ) => (timer = setTimeout(() => r("stalled"), stallMs)));
    const n = await Promise.race([write, stalled]);
    clearTimeout(timer);
    if (n === "stalled") return { written, pending: write };
    written += n;
  }
  return { written, pending: null };
}

async function readAll(conn: { read(b: Uint8Array): Promise<number | null> }): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(32 * 1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    parts.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

async function withListener(
  fn: (bound: { path: string; listener: NodeUnixListener }, dir: string) => Promise<void>,
  options: { readBufferBytes?: number; maxPendingConnections?: number } = {},
): Promise<void> {
  const dir = await tempDir();
  const bound = await NodeUnixListener.bind(`${dir}/run/o.sock`, 0o600, options);
  try {
    await fn(bound, dir);
  } finally {
    bound.listener.close();
    await removeSocket(bound);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("NodeUnixListener.bind: socket created with the mode asked; peer is this process; bytes echo intact", async () => {
  await withListener(async (bound) => {
    assert.equal((await Deno.lstat(bound.path)).mode! & 0o777, 0o600);
    const client = await Deno.connect({ transport: "unix", path: bound.path });
    const server = (await bound.listener.accept())!;
    try {
      assert.deepEqual(server.peer, { pid: Deno.pid, uid: Deno.uid(), gid: Deno.gid() });
      const data = crypto.getRandomValues(new Uint8Array(65536));
      const big = new Uint8Array(2 * 1024 * 1024);
      for (let i = 0; i < big.length; i += data.length) big.set(data, i);
      const echo = (async () => {
        const buf = new Uint8Array(10_000);
        for (;;) {
          const n = await server.read(buf);
          if (n === null) break;
          let w = 0;
          while (w < n) w += await server.write(buf.subarray(w, n));
        }
        await server.closeWrite();
      })();
      const send = (async () => {
        let w = 0;
        while (w < big.length) w += await client.write(big.subarray(w));
        await client.closeWrite();
      })();
      const got = await readAll(client);
      await Promise.all([echo, send]);
      assert.equal(got.length, big.length);
      assert.ok(got.every((v, i) => v === big[i]), "echoed bytes differ");
    } finally {
      client.close();
      server.close();
    }
  });
});

Deno.test("NodeUnixConn: a client that writes while the server does not read is held to readBufferBytes", async () => {
  const limit = 16 * 1024;
  await withListener(async (bound) => {
    const client = await Deno.connect({ transport: "unix", path: bound.path });
    const server = (await bound.listener.accept())!;
    try {
      const flood = new Uint8Array(32 * 1024 * 1024).map((_, i) => i % 251);
      const { written, pending } = await writeUntilStalled(client, flood, 300);
      assert.notEqual(pending, null, "the client's writes stall once the server stops reading");
      assert.ok(written < flood.length);
      // Held in user space: at most the bound plus one read's chunk (64 KiB).
      assert.ok(server.bufferedBytes <= limit + 64 * 1024, `buffered ${server.bufferedBytes}`);
      // Reading resumes the socket; every byte arrives, in order.
      const reading = (async () => {
        let seen = 0;
        const buf = new Uint8Array(50_000);
        for (;;) {
          const n = await server.read(buf);
          if (n === null) return seen;
          for (let i = 0; i < n; i++) assert.equal(buf[i], (seen + i) % 251);
          seen += n;
        }
      })();
      let total = written + (pending === null ? 0 : await pending);
      while (total < flood.length) total += await client.write(flood.subarray(total));
      await client.closeWrite();
      assert.equal(await reading, flood.length);
    } finally {
      client.close();
      server.close();
    }
  }, { readBufferBytes: limit });
});

Deno.test("NodeUnixConn: half-close from the client still gets the answer (allowHalfOpen)", async () => {
  await withListener(async (bound) => {
    const client = await Deno.connect({ transport: "unix", path: bound.path });
    const server = (await bound.listener.accept())!;
    try {
      await client.write(new TextEncoder().encode("question"));
      await client.closeWrite();
      const got = await readAll(server);
      assert.equal(new TextDecoder().decode(got), "question");
      assert.equal(await server.write(new TextEncoder().encode("answer")), 6);
      await server.closeWrite();
      assert.equal(new TextDecoder().decode(await readAll(client)), "answer");
    } finally {
      client.close();
      server.close();
    }
  });
});

Deno.test("NodeUnixConn: close fails the pending read and later calls; a reset peer ends reads", async () => {
  await withListener(async (bound) => {
    const client = await Deno.connect({ transport: "unix", path: bound.path });
    const server = (await bound.listener.accept())!;
    const pending = server.read(new Uint8Array(10));
    await assert.rejects(server.read(new Uint8Array(10)), Deno.errors.Busy);
    server.close();
    server.close(); // idempotent
    await assert.rejects(pending, Deno.errors.BadResource);
    await assert.rejects(server.write(new Uint8Array(1)), Deno.errors.BadResource);
    await assert.rejects(server.closeWrite(), Deno.errors.BadResource);
    // The client sees end of stream.
    assert.equal(await client.read(new Uint8Array(10)), null);
    client.close();

    const client2 = await Deno.connect({ transport: "unix", path: bound.path });
    const server2 = (await bound.listener.accept())!;
    await client2.write(new Uint8Array([1, 2, 3]));
    client2.close();
    const buf = new Uint8Array(10);
    assert.equal(await server2.read(buf), 3, "input received before the close is delivered");
    assert.equal(await server2.read(buf), null);
    server2.close();
  });
});

Deno.test("NodeUnixListener: connections beyond maxPendingConnections are closed and counted; close ends accept", async () => {
  await withListener(async (bound) => {
    const clients = await Promise.all(
      [0, 1, 2, 3].map(() => Deno.connect({ transport: "unix", path: bound.path })),
    );
    try {
      // Wait until the server side has seen all four.
      const deadline = Date.now() + 5000;
      while (bound.listener.droppedConnections < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(bound.listener.droppedConnections, 2);
      const accepted: NodeUnixConn[] = [(await bound.listener.accept())!];
      accepted.push((await bound.listener.accept())!);
      for (const conn of accepted) conn.close();
      // Two were closed at once, two after being accepted: all four read end of stream.
      for (const c of clients) assert.equal(await c.read(new Uint8Array(1)), null);
      const waiting = bound.listener.accept();
      await assert.rejects(bound.listener.accept(), Deno.errors.Busy);
      bound.listener.close();
      assert.equal(await waiting, null);
      assert.equal(await bound.listener.accept(), null);
    } finally {
      for (const c of clients) c.close();
    }
  }, { maxPendingConnections: 2 });
});

Deno.test("NodeUnixListener.bind: a live socket at the path is refused, as bindSocket does", async () => {
  await withListener(async (bound) => {
    await assert.rejects(
      NodeUnixListener.bind(bound.path, 0o600),
      (e: unknown) =>
        e instanceof OrchestratorError && /another orchestrator is listening/.test(e.message),
    );
  });
});

Deno.test("NodeUnixListener.fromFd: a descriptor that is not a listening UNIX socket is a clear error", async () => {
  // fd 1 is a pipe, a terminal or a connected socket: never a listening one.
  await assert.rejects(NodeUnixListener.fromFd(1), (e: unknown) => {
    assert.ok(e instanceof OrchestratorError);
    assert.equal(
      e.message,
      "Cannot serve inherited descriptor 1: not a listening UNIX stream socket",
    );
    return true;
  });
  // A descriptor that is not open.
  await assert.rejects(NodeUnixListener.fromFd(987_654), (e: unknown) => {
    assert.ok(e instanceof OrchestratorError);
    assert.match(e.message, /^Cannot serve inherited descriptor 987654: /);
    return true;
  });
});

Deno.test("socketPath: the path a listening UNIX socket is bound to; null for what is not one", async () => {
  const dir = await tempDir();
  const server = createServer();
  try {
    await new Promise<void>((resolve) => server.listen({ path: `${dir}/s.sock` }, resolve));
    const fd = handleFd(server);
    assert.notEqual(fd, null);
    assert.equal(socketPath(fd!), `${dir}/s.sock`);
    assert.equal(socketPath(1_000_000), null);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await Deno.remove(dir, { recursive: true });
  }
});
