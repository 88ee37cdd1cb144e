/**
 * `history -f`, `logs -f` and `subscribe` through the real CLI against a
 * real `orchestrator run`: spawned, a few lines read, then SIGINT → exit 0;
 * and a follower that outlives an orchestrator restart.
 */

import assert from "node:assert/strict";
import {
  baseConfig,
  CLI,
  cli,
  spawnRun,
  startOrchestrator,
  waitUntilServing,
  writeConfig,
} from "./_orchestrator.ts";

/** A CLI process that keeps printing: its stdout read line by line. */
class Follower {
  readonly child: Deno.ChildProcess;
  #lines: string[] = [];
  #partial = "";
  #wake: (() => void) | null = null;
  #done = false;
  #reading: Promise<void>;
  readonly stderr: Promise<string>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, ...args],
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.stderr = new Response(this.child.stderr).text();
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.child.stdout) {
      const text = this.#partial + decoder.decode(chunk, { stream: true });
      const parts = text.split("\n");
      this.#partial = parts.pop()!;
      this.#lines.push(...parts);
      this.#wake?.();
    }
    this.#done = true;
    this.#wake?.();
  }

  /** The next line, failing after `ms`. */
  async line(ms = 15_000): Promise<string> {
    const end = Date.now() + ms;
    while (this.#lines.length === 0) {
      if (this.#done) throw new Error("the follower ended");
      if (Date.now() > end) throw new Error("no line in time");
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
      this.#wake = null;
    }
    return this.#lines.shift()!;
  }

  /** Lines until one matches `pattern` (that one included). */
  async until(pattern: RegExp, ms = 15_000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line(ms);
      out.push(l);
      if (pattern.test(l)) return out;
    }
  }

  /** SIGINT, then the exit code and stderr. */
  async interrupt(): Promise<{ code: number; stderr: string }> {
    this.child.kill("SIGINT");
    const { code } = await this.child.status;
    await this.#reading;
    return { code, stderr: await this.stderr };
  }
}

const TALKER = (name: string, word: string) => ({
  name,
  tool_call_template: {
    call_template_type: "cli",
    command: "sh",
    args: [
      "-c",
      `i=0; while :; do echo ${word}-$i; echo oops-$i >&2; i=$((i+1)); sleep 0.05; done`,
    ],
  },
});

Deno.test("cli: history -f prints the backlog oldest first, then new events; SIGINT exits 0", async () => {
  const o = await startOrchestrator();
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const f = new Follower(["history", "-f", "--category", "agent", "--limit", "1"], env);
    const first = await f.line();
    assert.match(first, /^\S+Z {2}AGENT_STARTED {10}web {2}from=pending to=running /);
    assert.equal((await cli(["stop", "web"], { env })).code, 0);
    const later = await f.until(/AGENT_STOPPED/);
    assert.match(later.at(-1)!, /^\S+Z {2}AGENT_STOPPED {10}web {2}from=stopping to=stopped /);
    const end = await f.interrupt();
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.stderr, "");
  } finally {
    await o.stop();
  }
});

Deno.test("cli: logs -f follows several agents with prefixes, --no-prefix, --lines backlog", async () => {
  const o = await startOrchestrator({ agents: [TALKER("one", "uno"), TALKER("two", "dos")] });
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const all = new Follower(["logs", "-f"], env);
    const seen = await all.until(/ two stderr \| oops-\d+$/);
    const prefixed = /^\S+Z one stdout \| uno-\d+$/;
    assert.ok(seen.some((l) => prefixed.test(l)) || (await all.until(prefixed)).length > 0);
    assert.equal((await all.interrupt()).code, 0);

    const bare = new Follower(["logs", "-f", "two", "--no-prefix", "--lines", "2"], env);
    const lines = [await bare.line(), await bare.line(), await bare.line(), await bare.line()];
    // the backlog: two stdout lines, then two stderr lines, of the ring at that moment
    assert.match(lines[0], /^dos-\d+$/);
    assert.equal(Number(lines[1].slice(4)), Number(lines[0].slice(4)) + 1);
    assert.match(lines[2], /^oops-\d+$/);
    const live = await bare.until(/^dos-\d+$/);
    assert.equal(Number(live.at(-1)!.slice(4)), Number(lines[1].slice(4)) + 1, "no line lost");
    assert.ok(live.every((l) => /^(dos|oops)-\d+$/.test(l)));
    assert.equal((await bare.interrupt()).code, 0);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: subscribe prints the answer and each frame as JSON lines", async () => {
  const o = await startOrchestrator();
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const s = new Follower(["subscribe", "--snapshot", "--no-events", "--heartbeat", "0.1"], env);
    const answer = JSON.parse(await s.line());
    assert.equal(answer.status, "success");
    const frames = (await s.until(/"heartbeat"/)).map((l) => JSON.parse(l));
    assert.deepEqual(frames.map((f) => f.type), [
      "snapshot",
      "snapshot",
      "snapshot_end",
      "heartbeat",
    ]);
    assert.equal((await s.interrupt()).code, 0);
    const bad = await cli(["subscribe", "--logs", "ghost"], { env });
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.stdout).code, 404);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: history -f picks up again after the orchestrator restarts, with no gap or repeat", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "of" });
  const config = await writeConfig(dir, baseConfig(dir, { event_store_path: `${dir}/events.db` }));
  const socket = `${dir}/o.sock`;
  let run = spawnRun(config);
  await waitUntilServing(socket, run.done);
  const f = new Follower(["history", "-f", "--json", "--socket", socket], {});
  try {
    const before = (await f.until(/"COMMAND_EXECUTED".*"subscribe"/)).map((l) => JSON.parse(l));
    run.child.kill("SIGTERM");
    await run.done;
    run = spawnRun(config);
    await waitUntilServing(socket, run.done);
    const after = (await f.until(/"ORCHESTRATOR_STARTED"/)).map((l) => JSON.parse(l));
    const ids = [...before, ...after].map((e) => e.id);
    assert.deepEqual(ids, ids.map((_, i) => ids[0] + i), "consecutive ids across the restart");
    assert.ok(after.some((e) => e.event_name === "ORCHESTRATOR_SHUTDOWN"));
    const end = await f.interrupt();
    assert.equal(end.code, 0);
    assert.match(end.stderr, /closed the connection: reconnecting\nReconnected to /);
  } finally {
    try {
      f.child.kill("SIGKILL");
    } catch {
      // ended
    }
    try {
      run.child.kill("SIGTERM");
    } catch {
      // ended
    }
    await run.done;
    await Deno.remove(dir, { recursive: true });
  }
});
