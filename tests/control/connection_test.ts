import assert from "node:assert/strict";
import {
  type AnswerSlot,
  Connection,
  type FrameHandler,
  MAX_BACKLOG_BYTES,
  MAX_PIPELINE,
} from "../../lib/control/connection.ts";
import { BufferBudget } from "../../lib/control/budget.ts";
import { encodeFrame } from "../../lib/control/frame.ts";
import { type ControlConn, DenoUnixListener } from "../../lib/control/transport.ts";
import { RawConn, shortTempDir, until } from "./_helpers.ts";

/** A served connection over a real UNIX socket, and the raw client end. */
interface Pair {
  server: Connection;
  client: RawConn;
  closed: Connection[];
  serving: Promise<void>;
  close(): Promise<void>;
}

/** Accepts one connection through the Deno adapter and serves it with `handler(connection)`. */
async function pair(
  handler: (c: Connection) => FrameHandler,
  now = 0,
  budget?: BufferBudget,
  wrap: (conn: ControlConn) => ControlConn = (conn) => conn,
): Promise<Pair> {
  const dir = await shortTempDir();
  const listener = new DenoUnixListener(
    Deno.listen({ transport: "unix", path: `${dir}/s` }),
  );
  const accepted = listener.accept();
  const client = await RawConn.open(`${dir}/s`);
  const conn = await accepted;
  assert.ok(conn !== null);
  assert.equal(conn.peer, undefined, "Deno.UnixConn tells no peer identity");
  const closed: Connection[] = [];
  const server = new Connection(wrap(conn), {
    maxFrameBytes: 1024,
    now,
    onClose: (c) => closed.push(c),
    onFlushed: () => {},
    budget,
  });
  const serving = server.serve(handler(server));
  return {
    server,
    client,
    closed,
    serving,
    async close() {
      client.close();
      server.close();
      await serving;
      listener.close();
      assert.equal(await listener.accept(), null, "a closed listener accepts nothing");
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Answers `{"echo": request}`; a request `{"slow": true}` reserves a slot, kept in `slots`. */
function echo(c: Connection, slots: AnswerSlot[] = []): FrameHandler {
  return {
    frame(payload) {
      const request = JSON.parse(new TextDecoder().decode(payload));
      if (request.slow === true) slots.push(c.reserve());
      else c.reply(JSON.stringify({ echo: request }));
    },
    violation(code, message) {
      c.reply(JSON.stringify({ code, message }));
    },
  };
}

Deno.test("connection: a push goes out in order, behind an answer still owed", async () => {
  const slots: AnswerSlot[] = [];
  const p = await pair((c) => echo(c, slots));
  try {
    await p.client.send({ slow: true });
    await until(() => slots.length === 1);
    assert.equal(p.server.push('{"push":1}'), true);
    await p.client.send({ fast: true });
    assert.equal(p.server.busy, true);
    await new Promise((r) => setTimeout(r, 20)); // nothing may overtake the slow answer
    p.server.settle(slots[0], '{"slow":true}');
    assert.deepEqual(await p.client.receive(), { slow: true });
    assert.deepEqual(await p.client.receive(), { push: 1 });
    assert.deepEqual(await p.client.receive(), { echo: { fast: true } });
    // with nothing owed, a push goes straight out
    assert.equal(p.server.push('{"push":2}'), true);
    assert.deepEqual(await p.client.receive(), { push: 2 });
  } finally {
    await p.close();
  }
});

Deno.test("connection: frames pushed in one turn of the event loop go out in one write", async () => {
  const writes: number[] = []; // bytes of each write the connection makes
  const counting = (conn: ControlConn): ControlConn => ({
    read: (buffer) => conn.read(buffer),
    write: (bytes) => {
      writes.push(bytes.length);
      return conn.write(bytes);
    },
    close: () => conn.close(),
    closeWrite: () => conn.closeWrite(),
  });
  const p = await pair((c) => echo(c), 0, undefined, counting);
  try {
    for (let i = 0; i < 50; i++) assert.equal(p.server.push(`{"n":${i}}`), true);
    assert.equal(writes.length, 0, "nothing is written before the end of the turn");
    for (let i = 0; i < 50; i++) assert.deepEqual(await p.client.receive(), { n: i });
    assert.equal(writes.length, 1, `one write for the turn's 50 frames, not ${writes.length}`);
    // a push in a later turn is a write of its own; an answer is not deferred
    assert.equal(p.server.push('{"later":true}'), true);
    assert.deepEqual(await p.client.receive(), { later: true });
    await p.client.send({ ask: 1 });
    assert.deepEqual(await p.client.receive(), { echo: { ask: 1 } });
    assert.equal(writes.length, 3);
  } finally {
    await p.close();
  }
});

Deno.test("connection: pushes to a client that does not read stop at the byte bound", async () => {
  const p = await pair((c) => echo(c));
  try {
    const big = JSON.stringify({ pad: "x".repeat(64 * 1024) });
    let accepted = 0;
    while (accepted < 10_000 && p.server.push(big)) accepted++;
    const frame = encodeFrame(big).length;
    assert.ok(accepted >= Math.floor(MAX_BACKLOG_BYTES / frame), `accepted ${accepted}`);
    assert.ok(accepted <= Math.ceil(MAX_BACKLOG_BYTES / frame) + 1, `accepted ${accepted}`);
    // the client catches up: every accepted frame arrives whole, and pushing works again
    for (let i = 0; i < accepted; i++) {
      assert.equal((await p.client.receive() as { pad: string }).pad.length, 64 * 1024);
    }
    await until(() => !p.server.busy);
    assert.equal(p.server.push('{"again":true}'), true);
    assert.deepEqual(await p.client.receive(), { again: true });
  } finally {
    await p.close();
  }
});

Deno.test("connection: pushes stop at the answer count bound", async () => {
  const p = await pair((c) => echo(c));
  try {
    let accepted = 0;
    while (accepted < 10_000 && p.server.push("{}")) accepted++;
    // one batch may be under way while MAX_PIPELINE more wait
    assert.ok(accepted >= MAX_PIPELINE && accepted <= MAX_PIPELINE + 1, `accepted ${accepted}`);
    for (let i = 0; i < accepted; i++) assert.deepEqual(await p.client.receive(), {});
  } finally {
    await p.close();
  }
});

Deno.test("connection: a framing violation is answered by the handler, then the connection closes", async () => {
  const p = await pair((c) => echo(c));
  try {
    await p.client.send({ a: 1 });
    assert.deepEqual(await p.client.receive(), { echo: { a: 1 } });
    await p.client.write(new Uint8Array([0, 0, 0x10, 0])); // 4096 bytes announced, limit 1024
    assert.deepEqual(await p.client.receive(), {
      code: 413,
      message: "Frame too large: 4096 bytes (limit 1024)",
    });
    assert.equal(await p.client.receive(), "eof");
    await p.serving;
    assert.deepEqual(p.closed, [p.server]);
    assert.equal(p.server.push("{}"), false, "a closed connection takes no push");
  } finally {
    await p.close();
  }
});

Deno.test("connection: sweep closes an idle connection, never one waiting for an answer", async () => {
  const slots: AnswerSlot[] = [];
  const idle = await pair((c) => echo(c), 0);
  const waiting = await pair((c) => echo(c, slots), 0);
  try {
    await waiting.client.send({ slow: true });
    await until(() => slots.length === 1);
    // The clock is the sweep's argument: the first sweep notices the activity at accept.
    for (const now of [100, 200, 1_200, 2_500]) {
      idle.server.sweep(now, { idleMs: 1_000, frameMs: 60_000 });
      waiting.server.sweep(now, { idleMs: 1_000, frameMs: 60_000 });
    }
    assert.equal(idle.server.closed, true);
    assert.equal(await idle.client.receive(), "eof");
    assert.equal(waiting.server.closed, false);
    waiting.server.settle(slots[0], '{"late":true}');
    assert.deepEqual(await waiting.client.receive(), { late: true });
    // answered and idle again: the next sweeps close it
    waiting.server.sweep(3_000, { idleMs: 1_000, frameMs: 60_000 });
    waiting.server.sweep(4_500, { idleMs: 1_000, frameMs: 60_000 });
    assert.equal(await waiting.client.receive(), "eof");
  } finally {
    await idle.close();
    await waiting.close();
  }
});

const LIMITS = { idleMs: 60_000, frameMs: 500 };

/**
 * Sweeps 1 ms apart from `from` until two sweeps have seen a frame under way
 * unfinished (once the server has read its first bytes); returns the time of
 * the first of them.
 */
async function untilUnfinished(server: Connection, from: number): Promise<number> {
  let now = from;
  await until(() => {
    server.sweep(now++, LIMITS);
    return server.unfinishedFrame;
  });
  return now - 2;
}

Deno.test("connection: a frame left unfinished past the frame time is answered 400, then closed", async () => {
  const p = await pair((c) => echo(c));
  try {
    await p.client.write(new Uint8Array([0, 0, 0, 50, 0x7b])); // 50 bytes announced, 1 sent
    const seen = await untilUnfinished(p.server, 100);
    p.server.sweep(seen + 400, LIMITS); // still within the frame time
    assert.equal(p.server.closed, false);
    assert.equal(p.server.unfinishedFrame, true);
    p.server.sweep(seen + 600, LIMITS); // past it
    assert.deepEqual(await p.client.receive(), {
      code: 400,
      message: "Frame not finished within 0.5 s",
    });
    assert.equal(await p.client.receive(), "eof");
    assert.equal(p.server.closed, true);
  } finally {
    await p.close();
  }
});

Deno.test("connection: frames finished between sweeps never expire, however many sweeps see one under way", async () => {
  const p = await pair((c) => echo(c));
  try {
    const frame = encodeFrame({ n: 1 });
    for (let i = 0; i < 6; i++) {
      // each sweep sees the first half of a new frame
      await p.client.write(frame.subarray(0, 6));
      const seen = await untilUnfinished(p.server, i * 1000);
      p.server.sweep(seen + 450, LIMITS); // the same frame, still within the frame time
      await p.client.write(frame.subarray(6));
      assert.deepEqual(await p.client.receive(), { echo: { n: 1 } });
    }
    assert.equal(p.server.closed, false);
  } finally {
    await p.close();
  }
});

Deno.test("connection: stalledSince tells a silent or half-sent connection from a used one", async () => {
  const silent = await pair((c) => echo(c), 5);
  const half = await pair((c) => echo(c), 5);
  const used = await pair((c) => echo(c), 5);
  try {
    await half.client.write(new Uint8Array([0, 0, 0, 9]));
    await used.client.send({ a: 1 });
    await used.client.receive();
    for (const p of [silent, half, used]) {
      assert.equal(p.server.stalledSince, null, "no sweep has seen it yet");
    }
    const seen = await untilUnfinished(half.server, 100);
    for (const now of [100, 101]) {
      silent.server.sweep(now, LIMITS);
      used.server.sweep(now, LIMITS);
    }
    assert.equal(silent.server.stalledSince, 5, "silent since it was accepted");
    assert.equal(half.server.stalledSince, seen, "unfinished since the sweep that first saw it");
    assert.equal(used.server.stalledSince, null);
  } finally {
    await silent.close();
    await half.close();
    await used.close();
  }
});

Deno.test("connection: a large answer that does not fit the shared budget is a 503, then close", async () => {
  const budget = new BufferBudget(256 * 1024);
  const p = await pair(
    (c) => ({
      frame(payload) {
        const { size } = JSON.parse(new TextDecoder().decode(payload));
        c.reply(JSON.stringify({ pad: "x".repeat(size) }));
      },
      violation() {},
    }),
    0,
    budget,
  );
  try {
    await p.client.send({ size: 10 }); // small: always fits
    assert.equal((await p.client.receive() as { pad: string }).pad.length, 10);
    budget.take(200 * 1024); // most of the budget held elsewhere
    await p.client.send({ size: 40 * 1024 }); // small answers pass even now
    assert.equal((await p.client.receive() as { pad: string }).pad.length, 40 * 1024);
    await p.client.send({ size: 100 * 1024 });
    await p.client.send({ size: 1 }); // dropped: the connection is closing
    const refused = await p.client.receive() as { status: string; code: number; error: string };
    assert.equal(refused.code, 503);
    assert.match(refused.error, /^Server busy: the answer \(at least \d+ bytes\) does not fit/);
    assert.equal(await p.client.receive(), "eof");
    assert.equal(budget.takeShortage(), true, "the server's sweep learns of it");
    await until(() => p.server.closed);
    assert.equal(budget.used, 200 * 1024, "the closed connection gave back all it held");
  } finally {
    await p.close();
  }
});

Deno.test("connection: while the shared budget is over, a connection with answers queued stops reading", async () => {
  const budget = new BufferBudget(64 * 1024);
  const p = await pair((c) => echo(c), 0, budget);
  try {
    budget.take(1024 * 1024); // over the limit
    let accepted = 0;
    while (accepted < 10_000 && p.server.push("{}")) accepted++;
    assert.equal(accepted, 1, "one small answer queued, then it counts as congested");
    budget.release(1024 * 1024);
    assert.deepEqual(await p.client.receive(), {});
    await until(() => !p.server.busy);
    assert.equal(p.server.push("{}"), true);
  } finally {
    await p.close();
  }
});
