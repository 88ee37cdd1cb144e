/**
 * Subscribe figures (docs/benchmarks.md): subscribers of `COMMAND_EXECUTED`
 * events while 1,000 events/s are recorded; the delay from each request
 * that records an event to the event's arrival at every subscriber
 * (p50/p99), and the daemon's CPU; then the same with one more subscriber
 * that never reads (it gets `overflow` and is closed), to show it does not
 * slow the others.
 *
 * The events: `status <epoch ms>` requests, 1,000 a second on one
 * connection, each answered 404 and recorded as one `COMMAND_EXECUTED`
 * event whose first arg is the time it was sent; the subscribers (in child
 * processes of their own, bench/measure/subscriber_process.ts) read it back.
 *
 * Standalone: `deno run -A bench/subscribe_bench.ts [--smoke|--quick|--full]`.
 *
 * @module
 */

import type { BenchOptions, Figure } from "./figure.ts";
import { sleep, startDaemon } from "./measure/child.ts";
import { quantile } from "./measure/percentiles.ts";
import { cpuNs, signalPid, waitGone } from "./measure/proc.ts";
import { type DelaySample, epochMs, subscribersInProcess } from "./measure/subscriber_process.ts";
import { orchestratorArgv } from "./orchestrator_system.ts";
import { ControlClient } from "../lib/control/client.ts";
import { encodeJsonFrame, FrameReader, writeAll } from "../lib/control/frame.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Events recorded per second while measuring. */
export const EVENT_RATE = 1000;

const SIZES = {
  smoke: { subscribers: 10, processes: 1, warmupMs: 300, windowMs: 1000 },
  quick: { subscribers: 100, processes: 4, warmupMs: 500, windowMs: 3000 },
  full: { subscribers: 100, processes: 4, warmupMs: 1000, windowMs: 10_000 },
} as const;

/** What one phase measured. */
interface Phase {
  p50: number;
  p99: number;
  /** Event frames of the window's requests received, over subscribers × those requests. */
  delivered: number;
  cpuPercent: number;
  /** With a stalled subscriber: whether it got its `overflow` frame. */
  overflow: boolean | null;
}

/** Measures subscriptions; see the module doc. */
export async function benchSubscribe(options: BenchOptions): Promise<Figure[]> {
  const size = SIZES[options.mode];
  await Deno.mkdir(options.scratch, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: options.scratch, prefix: "s" });
  const socket = `${dir}/o.sock`;
  await Deno.writeTextFile(
    `${dir}/bench.jsonc`,
    JSON.stringify({
      enable_command_interface: true,
      command_socket_path: socket,
      log_cli_commands: false,
      command_max_connections: size.subscribers + 20,
      agents: [1, 2, 3].map((i) => ({
        name: `a${i}`,
        tool_call_template: { call_template_type: "cli", command: "sleep", args: ["3600"] },
      })),
    }),
  );
  const daemon = startDaemon([...orchestratorArgv(ROOT), "run", `${dir}/bench.jsonc`], {
    logFile: `${dir}/orchestrator.log`,
  });
  try {
    await waitForSocket(socket);
    const n = size.subscribers;
    const base = await measure(socket, daemon.pid, size, false);
    const stalled = await measure(socket, daemon.pid, size, true);
    const what = `${n} subscribers, ${EVENT_RATE.toLocaleString("en-US")} events/s`;
    const method = `${size.processes} client process(es), ${size.windowMs / 1000} s window ` +
      `after ${size.warmupMs} ms warm-up; from the request that records the event to its ` +
      `arrival; ${(base.delivered * 100).toFixed(1)} % of the frames expected arrived`;
    return [
      figure(`subscribe: delivery latency p50, ${what}`, base.p50, "ms", method),
      figure(`subscribe: delivery latency p99, ${what}`, base.p99, "ms", method),
      figure(
        `subscribe: daemon CPU, ${what}`,
        base.cpuPercent,
        "% of a core",
        "CPU time of the orchestrator process over the window (events, frames, the requests)",
      ),
      figure(
        `subscribe: delivery latency p99 with one subscriber stalled, ${what}`,
        stalled.p99,
        "ms",
        `one more subscriber never reads; ${
          stalled.overflow
            ? "it got its overflow frame and was closed"
            : "it had not overflowed yet"
        }; ${(stalled.delivered * 100).toFixed(1)} % of the others' frames arrived`,
      ),
      figure(
        "subscribe: p99 with a stalled subscriber / without",
        Math.round((stalled.p99 / base.p99) * 100) / 100,
        "×",
        "the two p99 rows above",
      ),
    ];
  } finally {
    signalPid(daemon.pid, "SIGTERM");
    const left = await waitGone([daemon.pid], { timeoutMs: 10_000 });
    if (left.length > 0) signalPid(-daemon.pid, "SIGKILL");
    await daemon.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function figure(name: string, value: number, unit: string, note: string): Figure {
  return { name, system: "orchestrator", value, unit, lowerIsBetter: true, note };
}

async function waitForSocket(path: string): Promise<void> {
  const end = performance.now() + 30_000;
  for (;;) {
    try {
      (await Deno.connect({ transport: "unix", path })).close();
      return;
    } catch {
      if (performance.now() > end) throw new Error(`Socket "${path}" did not come up`);
      await sleep(25);
    }
  }
}

/** One phase: subscribers ready, then requests at the event rate through warm-up and window. */
async function measure(
  socket: string,
  pid: number,
  size: (typeof SIZES)[keyof typeof SIZES],
  stall: boolean,
): Promise<Phase> {
  const totalMs = size.warmupMs + size.windowMs;
  const workers = Array.from({ length: size.processes }, (_, i) => {
    const count = Math.floor(size.subscribers / size.processes) +
      (i < size.subscribers % size.processes ? 1 : 0);
    return subscribersInProcess(socket, count, totalMs + 1500);
  });
  await Promise.all(workers.map((w) => w.ready));
  const stalled = stall ? await stalledSubscriber(socket) : null;
  const client = await ControlClient.connect(socket, { identity: {} });
  const t0 = epochMs();
  const windowFrom = t0 + size.warmupMs;
  const windowTo = windowFrom + size.windowMs;
  let cpuFrom: number | null = null;
  let sent = 0;
  let sentInWindow = 0;
  const answers: Promise<unknown>[] = [];
  while (epochMs() < windowTo) {
    const due = Math.floor((epochMs() - t0) * EVENT_RATE / 1000);
    for (; sent < due; sent++) {
      const at = epochMs();
      if (at >= windowFrom && at < windowTo) sentInWindow++;
      answers.push(client.request("status", [at.toFixed(3)]));
    }
    if (cpuFrom === null && epochMs() >= windowFrom) cpuFrom = cpuNs(pid);
    await sleep(2);
  }
  const cpuTo = cpuNs(pid);
  await Promise.all(answers);
  client.close();
  const samples = (await Promise.all(workers.map((w) => w.samples))).flat();
  const overflow = stalled === null ? null : await stalled.overflowed();
  const inWindow = samples.filter((s: DelaySample) => s.sent >= windowFrom && s.sent < windowTo)
    .map((s) => s.delayMs).sort((a, b) => a - b);
  const expected = size.subscribers * sentInWindow;
  return {
    p50: round(quantile(inWindow, 0.5)),
    p99: round(quantile(inWindow, 0.99)),
    delivered: inWindow.length / expected,
    cpuPercent: cpuFrom === null || cpuTo === null
      ? Number.NaN
      : round((cpuTo - cpuFrom) / 1e6 / size.windowMs * 100),
    overflow,
  };
}

/**
 * A subscriber that never reads; `overflowed` then reads what it was sent,
 * looking for `overflow` (until 500 ms pass without a frame).
 */
async function stalledSubscriber(socket: string): Promise<{ overflowed(): Promise<boolean> }> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  await writeAll(
    conn,
    encodeJsonFrame(JSON.stringify({
      command: "subscribe",
      options: { events: ["COMMAND_EXECUTED"] },
    })),
  );
  return {
    async overflowed() {
      const reader = new FrameReader(conn, { maxFrameBytes: 1 << 20 });
      let timer = setTimeout(() => conn.close(), 500);
      try {
        for (;;) {
          const out = await reader.read();
          clearTimeout(timer);
          timer = setTimeout(() => conn.close(), 500);
          if (out.kind !== "frame") return false;
          if (new TextDecoder().decode(out.payload).startsWith('{"type":"overflow"')) return true;
        }
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
        try {
          conn.close();
        } catch {
          // closed by the server
        }
      }
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (import.meta.main) {
  const mode = Deno.args.includes("--full")
    ? "full"
    : Deno.args.includes("--quick")
    ? "quick"
    : "smoke";
  const scratch = `${ROOT}/bench/.scratch/subscribe`;
  for (const f of await benchSubscribe({ mode, scratch })) {
    console.log(`${f.name}: ${f.value} ${f.unit} (${f.note})`);
  }
}
