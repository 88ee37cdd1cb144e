/**
 * `subscribe` over a real socket, against a real orchestrator and event
 * store in this process (docs/protocol.md, "subscribe").
 */

import assert from "node:assert/strict";
import type { ConfigInput } from "../../lib/config/defaults.ts";
import { SUBSCRIBER_QUEUE_FRAMES, SUBSCRIBER_WINDOW } from "../../lib/control/subscription.ts";
import { SubscriptionHub } from "../../lib/control/subscribe_hub.ts";
import { AGENTS, type Harness, RawConn, startHarness, until } from "./_helpers.ts";

type Frame = Record<string, unknown>;

/** Reads one frame, failing after `ms`. */
async function next(c: RawConn, ms = 5000): Promise<Frame> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const got = await Promise.race([
      c.receive(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no frame within ${ms} ms`)), ms);
      }),
    ]);
    if (typeof got === "string") throw new Error(`expected a frame, got ${got}`);
    return got;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads frames until one passes `until` (returned with the ones before it). */
async function readUntil(c: RawConn, stop: (f: Frame) => boolean, ms = 5000): Promise<Frame[]> {
  const frames: Frame[] = [];
  const deadline = Date.now() + 2 * ms;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no matching frame within ${2 * ms} ms`);
    const f = await next(c, ms);
    frames.push(f);
    if (stop(f)) return frames;
  }
}

/** Opens a connection and subscribes; returns it with the answer. */
async function subscribe(h: Harness, options: Record<string, unknown>) {
  const c = await RawConn.open(h.socket);
  await c.send({ command: "subscribe", options });
  const answer = await next(c);
  return { c, answer };
}

/** Appends `count` events directly to the store, `perTurn` at a time with a pause between. */
async function appendEvents(h: Harness, count: number, perTurn = 100): Promise<void> {
  for (let i = 0; i < count; i++) {
    h.store.append({ event_name: "AGENT_READY", agent_name: "web", data: { n: i } });
    if (i % perTurn === perTurn - 1) await new Promise((r) => setTimeout(r, 2));
  }
}

const TALKER: NonNullable<ConfigInput["agents"]>[number] = {
  name: "talker",
  tool_call_template: {
    command: "sh",
    args: ["-c", "i=0; while :; do echo out-$i; echo err-$i >&2; i=$((i+1)); sleep 0.02; done"],
  },
  stop_timeout: 1,
};

Deno.test("subscribe: answer, snapshot per agent, snapshot_end, then events in id order", async () => {
  const h = await startHarness();
  try {
    await until(() => h.orchestrator.status("web").state === "running");
    const { c, answer } = await subscribe(h, { snapshot: true });
    try {
      assert.equal(answer.status, "success");
      const data = answer.data as { last_id: number; heartbeat: number; run: { id: number } };
      assert.equal(data.heartbeat, 5);
      assert.equal(data.run.id, 1);
      const snapshot = await readUntil(c, (f) => f.type === "snapshot_end");
      assert.deepEqual(snapshot.map((f) => [f.type, f.name]), [
        ["snapshot", "web"],
        ["snapshot", "job"],
        ["snapshot_end", undefined],
      ]);
      assert.equal(snapshot[0].state, "running");
      assert.equal(snapshot[2].last_id, data.last_id);
      // its own COMMAND_EXECUTED, then what a call does, each id once and in order
      const other = await RawConn.open(h.socket);
      await other.send({ command: "call", args: ["job"] });
      assert.equal((await next(other)).status, "success");
      other.close();
      const events = await readUntil(
        c,
        (f) => f.event_name === "COMMAND_EXECUTED" && (f.data as Frame).command === "call",
      );
      assert.ok(events.every((f) => f.type === "event"));
      assert.deepEqual(
        events.map((f) => f.id),
        events.map((_, i) => data.last_id + 1 + i),
        "consecutive ids, none missing or repeated",
      );
      assert.deepEqual((events[0].data as Frame).command, "subscribe");
      assert.ok(events.some((f) => f.event_name === "AGENT_COMPLETED" && f.agent_name === "job"));
    } finally {
      c.close();
    }
  } finally {
    await h.close();
  }
});

Deno.test("subscribe: since resumes from the store with no gap and no duplicate across a reconnect", async () => {
  const h = await startHarness();
  try {
    await appendEvents(h, 500);
    const first = await subscribe(h, { since: 0, categories: ["agent"] });
    const seen: number[] = [];
    const got = await readUntil(first.c, (f) => f.id === 300);
    seen.push(...got.map((f) => f.id as number));
    first.c.close();
    // events appended while away, and while the replay runs
    const more = appendEvents(h, 3000, 50);
    const second = await subscribe(h, { since: 300, categories: ["agent"] });
    await more;
    const last = h.store.lastId;
    const rest = await readUntil(second.c, (f) => f.id === last, 10_000);
    second.c.close();
    seen.push(...rest.map((f) => f.id as number));
    const agentIds = h.store.after(0, { categories: ["agent"] }, 10_000).map((e) => e.id);
    assert.deepEqual(seen, agentIds);
  } finally {
    await h.close();
  }
});

Deno.test("subscribe: a stalled subscriber gets overflow and is closed; others and ps are unaffected", async () => {
  const h = await startHarness();
  try {
    const stalled = await subscribe(h, { categories: ["agent"] });
    const reader = await subscribe(h, { categories: ["agent"] });
    const ps = await RawConn.open(h.socket);
    const start = h.store.lastId;
    const total = SUBSCRIBER_QUEUE_FRAMES * 8;
    const received: number[] = [];
    const reading = (async () => {
      while (received.length < total) {
        const f = await next(reader.c, 10_000);
        if (f.type === "event") received.push(f.id as number);
      }
    })();
    await appendEvents(h, total, 100);
    await ps.send({ command: "ps" });
    assert.equal((await next(ps)).status, "success");
    await reading;
    assert.deepEqual(received, received.map((_, i) => start + 1 + i));
    await until(() => SubscriptionHub.of(h.orchestrator).size === 1);
    // the stalled one, reading now: events, then one overflow frame, then end of stream
    const frames: Frame[] = [];
    for (;;) {
      const f = await stalled.c.receive();
      if (typeof f === "string") break;
      frames.push(f);
    }
    const overflow = frames.at(-1)!;
    assert.equal(overflow.type, "overflow");
    assert.match(overflow.error as string, /^Subscriber too slow/);
    const events = frames.slice(0, -1);
    assert.ok(events.length >= SUBSCRIBER_WINDOW && events.length < total);
    assert.equal(events.at(-1)!.id, overflow.last_id, "last_id is the last event sent");
    assert.deepEqual(events.map((f) => f.id), events.map((_, i) => start + 1 + i));
    stalled.c.close();
    reader.c.close();
    ps.close();
  } finally {
    await h.close();
  }
});

Deno.test("subscribe: filters by category, agent and event name; [] keeps none", async () => {
  const h = await startHarness();
  try {
    const byEvent = await subscribe(h, { events: ["agent_completed"] });
    const byAgent = await subscribe(h, { agents: ["job"], categories: ["agent"] });
    const system = await subscribe(h, { categories: ["system"], heartbeat: 0.05 });
    const none = await subscribe(h, { categories: [], heartbeat: 0.05 });
    const other = await RawConn.open(h.socket);
    await other.send({ command: "call", args: ["job"] });
    assert.equal((await next(other)).status, "success");
    const completed = await next(byEvent.c);
    assert.deepEqual([completed.event_name, completed.agent_name], ["AGENT_COMPLETED", "job"]);
    const jobEvents = await readUntil(byAgent.c, (f) => f.event_name === "AGENT_COMPLETED");
    assert.ok(jobEvents.every((f) => f.agent_name === "job" && f.category === "agent"));
    assert.equal(jobEvents[0].event_name, "AGENT_STARTED");
    h.store.append({ event_name: "ORCHESTRATOR_SHUTDOWN", data: { reason: "test" } });
    const sys = await readUntil(system.c, (f) => f.type === "event");
    assert.equal(sys.at(-1)!.event_name, "ORCHESTRATOR_SHUTDOWN");
    assert.ok(sys.slice(0, -1).every((f) => f.type === "heartbeat"));
    // nothing but heartbeats for [], and their last_id follows the store
    const beat = await readUntil(none.c, (f) => f.last_id === h.store.lastId);
    assert.ok(beat.every((f) => f.type === "heartbeat" && typeof f.timestamp === "string"));
    for (const s of [byEvent, byAgent, system, none]) s.c.close();
    other.close();
  } finally {
    await h.close();
  }
});

Deno.test("subscribe: log frames carry agent, stream, timestamp and line", async () => {
  const h = await startHarness({ agents: [...AGENTS!, TALKER] });
  try {
    await until(() => h.orchestrator.status("talker").state === "running");
    const { c, answer } = await subscribe(h, { logs: ["talker"], categories: [] });
    assert.equal(answer.status, "success");
    const frames = await readUntil(c, (f) => f.stream === "stderr");
    const out = frames.find((f) => f.stream === "stdout")!;
    assert.deepEqual(Object.keys(out), ["type", "agent", "stream", "timestamp", "line"]);
    assert.equal(out.agent, "talker");
    assert.match(out.line as string, /^out-\d+$/);
    assert.ok(Math.abs(Date.parse(out.timestamp as string) - Date.now()) < 5000);
    const err = frames.at(-1)!;
    assert.match(err.line as string, /^err-\d+$/);
    // consecutive lines of one stream, none lost (reads are coalesced: several lines may come
    // in one batch, so wait for the fifth line after the last one already read)
    const lastOut = frames.filter((f) => f.stream === "stdout").at(-1)!.line as string;
    const target = `out-${Number(lastOut.slice(4)) + 5}`;
    const more = await readUntil(c, (f) => f.line === target);
    const outs = [...frames, ...more].filter((f) => f.stream === "stdout").map((f) => f.line);
    assert.deepEqual([...new Set(outs)], outs);
    c.close();
    await until(() => SubscriptionHub.of(h.orchestrator).size === 0);
  } finally {
    await h.close();
  }
});

Deno.test("subscribe: 400 bad options, 404 unknown log agent, 409 twice, 403 logs without 'logs'", async () => {
  const h = await startHarness();
  try {
    const c = await RawConn.open(h.socket);
    await c.send({ command: "subscribe", options: { categories: ["agnet"] }, id: 1 });
    assert.deepEqual(await next(c), {
      status: "error",
      code: 400,
      error:
        'Invalid subscribe option "categories": "agnet" is not one of "agent", "command" or "system"',
      id: 1,
    });
    await c.send({ command: "subscribe", options: { since: -1 }, id: 2 });
    assert.equal((await next(c)).code, 400);
    await c.send({ command: "subscribe", options: { bogus: 1 }, id: 3 });
    assert.match((await next(c)).error as string, /^Unknown option "bogus"/);
    await c.send({ command: "subscribe", options: { logs: ["ghost"] }, id: 4 });
    assert.deepEqual(await next(c), {
      status: "error",
      code: 404,
      error: 'Unknown agent "ghost"',
      id: 4,
    });
    await c.send({ command: "subscribe", options: { categories: ["system"] }, id: 5 });
    assert.equal((await next(c)).status, "success");
    await c.send({ command: "subscribe", id: 6 });
    const twice = await readUntil(c, (f) => f.id === 6);
    assert.equal(twice.at(-1)!.code, 409);
    // requests still work on a subscribed connection
    await c.send({ command: "ps", id: 7 });
    assert.equal((await readUntil(c, (f) => f.id === 7)).at(-1)!.status, "success");
    c.close();
  } finally {
    await h.close();
  }
  const m = await startHarness({ allowed_commands: "monitoring" });
  try {
    const c = await RawConn.open(m.socket);
    await c.send({ command: "subscribe", options: { logs: true } });
    assert.deepEqual(await next(c), {
      status: "error",
      code: 403,
      error: "Command 'subscribe' with \"logs\" not allowed: it needs command 'logs'",
    });
    await c.send({ command: "subscribe", options: { categories: ["system"] } });
    assert.equal((await next(c)).status, "success");
    c.close();
    const audit = await Deno.readTextFile(`${m.dir}/audit.log`);
    assert.equal(audit.match(/command=subscribe/g)?.length, 2, "one audit line per request");
  } finally {
    await m.close();
  }
});

Deno.test("subscribe: closing the server hands subscribers the last events first", async () => {
  const h = await startHarness();
  const { c } = await subscribe(h, { categories: ["system"] });
  try {
    await h.server.drain(1000);
    await h.orchestrator.shutdown("test");
    await h.server.close();
    const frames = await readUntil(c, (f) => f.event_name === "ORCHESTRATOR_SHUTDOWN");
    assert.equal(frames.at(-1)!.type, "event");
    assert.equal(await c.receive(), "eof");
  } finally {
    c.close();
    await h.close();
  }
});
