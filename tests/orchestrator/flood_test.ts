/**
 * Agents that flood their pipes against a real `orchestrator run`: the
 * control socket keeps answering and the daemon's memory stays bounded
 * (docs/operations.md, "Output capture and log files").
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import type { AgentLogs } from "../../lib/agent/info.ts";
import { type RunningOrchestrator, startOrchestrator } from "../cli/_orchestrator.ts";

const MiB = 1024 * 1024;

function agent(name: string, script: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    restart: "no",
    stop_timeout: 2,
    tool_call_template: { call_template_type: "cli", command: "sh", args: ["-c", script] },
    ...extra,
  };
}

/** Resident set of `pid` in bytes (VmRSS). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  assert.ok(m !== null, "VmRSS is readable");
  return Number(m[1]) * 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function request(
  client: ControlClient,
  command: string,
  args: string[] = [],
  options: Record<string, unknown> = {},
): Promise<unknown> {
  const r = await client.request(command, args, options);
  assert.equal(r.status, "success", JSON.stringify(r));
  return r.data;
}

async function logsOf(client: ControlClient, name: string): Promise<AgentLogs> {
  return await request(client, "logs", [name], { lines: 2 }) as AgentLogs;
}

/** Starts an orchestrator with `agents`, connects, runs `body`, and ends both. */
async function withDaemon(
  agents: Record<string, unknown>[],
  extra: (dir: string) => Record<string, unknown>,
  body: (o: RunningOrchestrator, client: ControlClient) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ofl" });
  const o = await startOrchestrator({ agents, ...extra(dir) }, dir);
  const client = await ControlClient.connect(o.socket);
  try {
    await body(o, client);
  } finally {
    client.close();
    const done = await o.stop();
    assert.equal(done.code, 0, done.stderr);
  }
}

Deno.test("flood: ps keeps answering while agents flood stdout and stderr with yes", async () => {
  await withDaemon(
    [agent("out", "exec yes"), agent("err", "exec yes >&2")],
    (dir) => ({ log_dir: dir, log_max_bytes: MiB, log_max_files: 1 }),
    async (o, client) => {
      const dir = o.dir;
      const latencies: number[] = [];
      const end = performance.now() + 3000;
      while (performance.now() < end) {
        const t = performance.now();
        await request(client, "ps");
        latencies.push(performance.now() - t);
        await sleep(10);
      }
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)];
      assert.ok(latencies.length >= 50, `only ${latencies.length} answers in 3 s`);
      assert.ok(p99 < 500, `ps p99 ${p99.toFixed(1)} ms while two agents flood`);
      const out = await logsOf(client, "out");
      const err = await logsOf(client, "err");
      assert.deepEqual(out.stdout, ["y", "y"]);
      assert.deepEqual(err.stderr, ["y", "y"]);
      assert.ok(out.counters.stdout.bytes > MiB, JSON.stringify(out.counters));
      assert.ok(err.counters.stderr.bytes > MiB, JSON.stringify(err.counters));
      assert.equal(
        out.counters.stdout.dropped_bytes,
        out.counters.stdout.bytes - 64 * 1024,
        "what is not kept is counted",
      );
      for (const name of ["out", "err"]) {
        const t = performance.now();
        await request(client, "stop", [name]);
        assert.ok(performance.now() - t < 5000, `stop of "${name}" answered in time`);
      }
      const files = [...Deno.readDirSync(dir)].map((e) => e.name);
      for (const f of ["out.stdout.log", "err.stderr.log"]) {
        assert.ok(files.includes(f), `${f} in ${files.join(", ")}`);
        assert.ok(Deno.statSync(`${dir}/${f}`).size <= MiB, `${f} within log_max_bytes`);
      }
    },
  );
});

Deno.test("flood: the daemon's memory stays bounded while an agent writes without newlines", async () => {
  await withDaemon(
    [agent("nonl", "yes | tr -d '\\n'", { autostart: false })],
    () => ({}),
    async (o, client) => {
      await sleep(500);
      const idle = rss(o.child.pid);
      await request(client, "start", ["nonl"]);
      let peak = idle;
      const end = performance.now() + 3000;
      while (performance.now() < end) {
        await sleep(100);
        peak = Math.max(peak, rss(o.child.pid));
      }
      const logs = await logsOf(client, "nonl");
      assert.ok(logs.counters.stdout.bytes > 10 * MiB, JSON.stringify(logs.counters));
      assert.equal(logs.counters.stdout.cut_lines, 1);
      assert.equal(logs.stdout.length, 1);
      assert.ok(logs.stdout[0].endsWith("…[cut]"));
      assert.ok(
        peak <= idle + 64 * MiB,
        `RSS ${(idle / MiB).toFixed(0)} MiB idle, ${(peak / MiB).toFixed(0)} MiB at the peak`,
      );
      await request(client, "stop", ["nonl"]);
    },
  );
});

Deno.test("flood: after a 100 MB line and a stop, the daemon's memory is back near idle", async () => {
  await withDaemon(
    [agent("big", "head -c 100000000 /dev/zero | tr '\\0' a; exec sleep 30", { autostart: false })],
    () => ({}),
    async (o, client) => {
      await sleep(500);
      const idle = rss(o.child.pid);
      await request(client, "start", ["big"]);
      const end = performance.now() + 20_000;
      while ((await logsOf(client, "big")).counters.stdout.bytes < 100_000_000) {
        assert.ok(performance.now() < end, "the 100 MB line is read within 20 s");
        await sleep(100);
      }
      await request(client, "stop", ["big"]);
      await sleep(1000);
      const after = rss(o.child.pid);
      assert.ok(
        after <= idle + 32 * MiB,
        `RSS ${(idle / MiB).toFixed(0)} MiB idle, ${(after / MiB).toFixed(0)} MiB after the stop`,
      );
    },
  );
});
