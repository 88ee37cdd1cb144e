import assert from "node:assert/strict";
import { Pacer } from "../../lib/agent/pacer.ts";
import { pump } from "../../lib/agent/pump.ts";

/** Spawns `sh -c script` with stdout piped. */
function sh(script: string): Deno.ChildProcess {
  return new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "null" }).spawn();
}

/** A sink that keeps copies of what it is given, `step` bytes per call at most. */
function collector(step = Infinity) {
  const parts: Uint8Array[] = [];
  let calls = 0;
  const sink = (chunk: Uint8Array, offset: number) => {
    calls++;
    const end = Math.min(chunk.length, offset + step);
    parts.push(chunk.slice(offset, end));
    return end;
  };
  const text = () => new TextDecoder().decode(new Uint8Array(parts.flatMap((p) => [...p])));
  return { sink, text, calls: () => calls };
}

Deno.test("pump: 600 KB of output arrive whole and in order through a reused buffer", async () => {
  const child = sh(
    "i=0; while [ $i -lt 20000 ]; do echo line-$i-of-output-padding-pad; i=$((i+1)); done",
  );
  const c = collector();
  await pump(child.stdout, c.sink);
  await child.status;
  const lines = c.text().split("\n");
  assert.equal(lines.length, 20001);
  assert.equal(lines[0], "line-0-of-output-padding-pad");
  assert.equal(lines[19999], "line-19999-of-output-padding-pad");
});

Deno.test("pump: a sink that takes part of a chunk is called again with the rest", async () => {
  const child = sh("printf 0123456789abcdefghij");
  const c = collector(3);
  await pump(child.stdout, c.sink);
  await child.status;
  assert.equal(c.text(), "0123456789abcdefghij");
  assert.ok(c.calls() >= 7, `${c.calls()} calls`);
});

Deno.test("pump: a spent pacer budget makes reading wait for the next window", async () => {
  const pacer = new Pacer({ windowMs: 60, budgetMs: 0 });
  const child = sh("for i in 1 2 3 4 5; do printf x; sleep 0.01; done");
  const c = collector();
  const t = performance.now();
  await pump(child.stdout, c.sink, { pacer });
  await child.status;
  assert.equal(c.text(), "xxxxx");
  assert.ok(c.calls() >= 2, `${c.calls()} reads`);
  assert.ok(performance.now() - t >= 60 * (c.calls() - 1) - 5, `${c.calls()} reads`);
});

Deno.test("pump: a writer of little and often is read in fewer chunks, and at once after exit", async () => {
  const script = "for i in $(seq 30); do echo tick; sleep 0.01; done";
  const eager = sh(script);
  const a = collector();
  await pump(eager.stdout, a.sink);
  await eager.status;
  const lazy = sh(script);
  const b = collector();
  await pump(lazy.stdout, b.sink, { coalesceMs: 150, flushOn: lazy.status });
  assert.equal(b.text(), a.text());
  assert.ok(b.calls() * 2 < a.calls(), `${b.calls()} reads coalesced, ${a.calls()} eager`);

  const quiet = sh("echo one; sleep 0.2; echo two");
  const q = collector();
  const t = performance.now();
  await pump(quiet.stdout, q.sink, { coalesceMs: 60_000, flushOn: quiet.status });
  assert.equal(q.text(), "one\ntwo\n");
  assert.ok(performance.now() - t < 5000, "the exit ends the wait");
});

Deno.test("pump: a writer that pauses between lines is read without a pause of the pump's own", async () => {
  // The pump yields to the event loop after 2 ms of continuous work; waiting for the pipe is
  // not work. (It once counted from the last wait, so every read of a slow writer yielded
  // through a timer.)
  const timers: number[] = [];
  const setTimeoutBefore = globalThis.setTimeout;
  const counting = ((fn: () => void, ms?: number) => {
    timers.push(ms ?? 0);
    return setTimeoutBefore(fn, ms);
  }) as typeof setTimeout;
  const child = sh("for i in $(seq 20); do echo tick; sleep 0.01; done");
  const c = collector();
  globalThis.setTimeout = counting;
  try {
    await pump(child.stdout, c.sink, { pacer: new Pacer({ windowMs: 100, budgetMs: 100 }) });
  } finally {
    globalThis.setTimeout = setTimeoutBefore;
  }
  await child.status;
  assert.equal(c.text(), "tick\n".repeat(20));
  assert.ok(c.calls() >= 10, `${c.calls()} reads`);
  assert.deepEqual(timers, [], "no timer for any of the reads");
});
