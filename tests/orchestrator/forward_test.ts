/**
 * forward_output: agent lines on the orchestrator's stdout as `name | line`
 * and `name ! line`, through a bounded queue that drops (and counts) lines
 * when stdout does not keep up.
 */

import assert from "node:assert/strict";
import {
  droppedNotice,
  forwardedLine,
  type ForwardWriter,
  OutputForwarder,
} from "../../lib/orchestrator/forward.ts";
import { harness, sh, until } from "./_helpers.ts";

/** A writer that keeps what it is given; `hold()` makes writes wait until `release()`. */
class Collector implements ForwardWriter {
  text = "";
  writes = 0;
  #held: (() => void)[] | null = null;

  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const go of held) go();
  }

  async write(p: Uint8Array): Promise<number> {
    if (this.#held !== null) await new Promise<void>((go) => this.#held!.push(go));
    this.writes++;
    this.text += new TextDecoder().decode(p);
    return p.length;
  }
}

Deno.test("forward: a line is 'name | line' for stdout and 'name ! line' for stderr", () => {
  assert.equal(forwardedLine("web", "stdout", "listening on :80"), "web | listening on :80");
  assert.equal(forwardedLine("web", "stderr", "oops"), "web ! oops");
  assert.equal(droppedNotice(1), "[orchestrator] dropped 1 line: stdout was not keeping up");
});

Deno.test("forward: lines queued meanwhile go out in one write, in order", async () => {
  const out = new Collector();
  const f = new OutputForwarder(out, { flushDelayMs: 5 });
  for (let i = 0; i < 100; i++) f.line("a", i % 2 === 0 ? "stdout" : "stderr", `line ${i}`);
  await until("written", () => out.text.split("\n").length > 100);
  assert.equal(out.writes, 1);
  const lines = out.text.trimEnd().split("\n");
  assert.equal(lines[0], "a | line 0");
  assert.equal(lines[99], "a ! line 99");
  assert.deepEqual(f.counters, { forwarded_lines: 100, forward_dropped_lines: 0 });
  await f.close(100);
});

Deno.test("forward: a stalled stdout drops and counts new lines, then marks the gap", async () => {
  const out = new Collector();
  let episodes = 0;
  const f = new OutputForwarder(out, {
    flushDelayMs: 1,
    maxLines: 10,
    onDropping: () => episodes++,
  });
  out.hold();
  f.line("a", "stdout", "first");
  // The first line is taken into a write that now waits; the queue then fills.
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 1000; i++) f.line("a", "stdout", `x${i}`);
  assert.deepEqual(f.counters, { forwarded_lines: 0, forward_dropped_lines: 990 });
  assert.equal(episodes, 1, "told once per episode");
  out.release();
  await until("queue written", () => out.text.includes("x9\n"));
  f.line("a", "stdout", "after");
  await f.close(1000);
  assert.deepEqual(f.counters, { forwarded_lines: 12, forward_dropped_lines: 990 });
  const lines = out.text.trimEnd().split("\n");
  assert.equal(lines[0], "a | first");
  assert.equal(lines[10], "a | x9");
  assert.equal(lines[11], droppedNotice(990));
  assert.equal(lines[12], "a | after");
  assert.equal(lines.length, 13);
});

Deno.test("forward: a queue bound in characters holds lines back too", async () => {
  const out = new Collector();
  out.hold();
  const f = new OutputForwarder(out, { maxChars: 100 });
  for (let i = 0; i < 10; i++) f.line("a", "stdout", "x".repeat(40));
  assert.equal(f.counters.forward_dropped_lines, 8);
  const closed = f.close(1000);
  out.release();
  await closed;
  assert.equal(f.counters.forwarded_lines, 2);
});

Deno.test("forward: a failed write stops forwarding, told once, the rest counted as dropped", async () => {
  const errors: unknown[] = [];
  const broken: ForwardWriter = { write: () => Promise.reject(new Error("Broken pipe")) };
  const f = new OutputForwarder(broken, { flushDelayMs: 1, onError: (e) => errors.push(e) });
  f.line("a", "stdout", "one");
  f.line("a", "stdout", "two");
  await until("the write failed", () => errors.length === 1);
  f.line("a", "stdout", "three");
  await f.close(100);
  assert.equal(errors.length, 1);
  assert.deepEqual(f.counters, { forwarded_lines: 0, forward_dropped_lines: 3 });
});

Deno.test("forward: agents with forward_output print their lines; others and overrides do not", async () => {
  const out = new Collector();
  const h = await harness(() => ({
    forward_output: true,
    agents: [
      // Prints and exits at once: lines read after the exit are forwarded too.
      { name: "talker", kind: "task", tool_call_template: sh("echo hello; echo oops >&2") },
      {
        name: "quiet",
        kind: "task",
        forward_output: false,
        tool_call_template: sh("echo not forwarded"),
      },
      {
        name: "uncaptured",
        kind: "task",
        tool_call_template: sh("echo still forwarded", { capture_output: false }),
      },
    ],
  }), { forwardTo: out });
  try {
    await until("lines forwarded", () => out.text.includes("uncaptured |"));
    await until("both talker lines", () => out.text.includes("talker !"));
    const lines = out.text.trimEnd().split("\n").sort();
    assert.deepEqual(lines, ["talker ! oops", "talker | hello", "uncaptured | still forwarded"]);
    assert.equal(h.orchestrator.stats().forwarded_lines, 3);
  } finally {
    await h.close();
  }
});

Deno.test("forward: an agent's forward_output true works without the global option", async () => {
  const out = new Collector();
  const h = await harness(() => ({
    agents: [
      {
        name: "one",
        kind: "task",
        forward_output: true,
        tool_call_template: sh("printf 'a\\r\\nlast without newline'"),
      },
      { name: "two", kind: "task", tool_call_template: sh("echo no") },
    ],
  }), { forwardTo: out });
  try {
    await until("lines forwarded", () => out.text.includes("newline"));
    await h.orchestrator.waitFor("two", ["completed"]);
    await h.orchestrator.shutdown("flush");
    assert.equal(out.text, "one | a\none | last without newline\n");
  } finally {
    await h.close();
  }
});

Deno.test("forward: without forward_output nothing is written and stats count 0", async () => {
  const out = new Collector();
  const h = await harness(() => ({
    agents: [{ name: "t", kind: "task", tool_call_template: sh("echo x") }],
  }), { forwardTo: out });
  try {
    await h.orchestrator.waitFor("t", ["completed"]);
    await h.orchestrator.shutdown("done");
    assert.equal(out.text, "");
    const s = h.orchestrator.stats();
    assert.equal(s.forwarded_lines, 0);
    assert.equal(s.forward_dropped_lines, 0);
  } finally {
    await h.close();
  }
});
