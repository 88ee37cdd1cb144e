/**
 * Subscribe figures (docs/benchmarks.md): subscribers of `COMMAND_EXECUTED`
 * events while 1,000 events/s are recorded; the delay from each request
 * that records an event to the event's arrival at every subscriber
 * (p50/p99), and the daemon's CPU; and the same while one more subscriber
 * never reads (it gets `overflow` and is closed), to show it does not slow
 * the others.
 *
 * The events: `status <epoch ms>` requests, 1,000 a second on one
 * connection, each answered 404 and recorded as one `COMMAND_EXECUTED`
 * event whose first arg is the time it was sent; the subscribers (in child
 * processes of their own, bench/measure/subscriber_process.ts) read it back.
 *
 * The two conditions alternate in segments of one run (plain, stalled,
 * stalled, plain, plain, stalled, …) with the same subscribers, and each
 * sample counts for the segment its event was sent in: drift of the machine
 * over the run (warm-up, a growing store) weighs on both alike, so their
 * ratio shows the stalled subscriber and not which condition came second. A stalled segment is long enough for its
 * stalled subscriber to fill the socket and its queue and get `overflow`.
 *
 * The requests and the stalled subscribers come from a child process of
 * their own (this script with `--measure`), like the subscribers.
 *
 * Standalone: `deno run -A bench/subscribe_bench.ts [--smoke|--quick|--full] [--subscribers=N]`
 * (N subscribers in place of the mode's, in up to 4 client processes).
 *
 * @module
 */

import type { BenchOptions, Figure } from "./figure.ts";
import { sleep, startDaemon, waitForSocket } from "./measure/child.ts";
import { quantile } from "./measure/percentiles.ts";
import { cpuNs, signalPid, waitGone } from "./measure/proc.ts";
import { type DelaySample, epochMs, subscribersInProcess } from "./measure/subscriber_process.ts";
import { orchestratorArgv } from "./orchestrator_system.ts";
import { ControlClient } from "../lib/control/client.ts";
import { encodeJsonFrame, FrameReader, writeAll } from "../lib/control/frame.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SCRIPT = new URL(import.meta.url).pathname;

/** Events recorded per second while measuring. */
export const EVENT_RATE = 1000;

/**
 * Per mode: subscribers, the client processes they are spread over, the
 * warm-up, and the rounds of one plain and one stalled segment each (an
 * even number past smoke, so the order P S S P … is symmetric).
 */
const SIZES = {
  smoke: { subscribers: 10, processes: 1, warmupMs: 300, rounds: 1, segmentMs: 1000 },
  quick: { subscribers: 100, processes: 4, warmupMs: 1000, rounds: 4, segmentMs: 3500 },
  full: { subscribers: 100, processes: 4, warmupMs: 1000, rounds: 8, segmentMs: 3500 },
} as const;

interface Size {
  subscribers: number;
  processes: number;
  warmupMs: number;
  rounds: number;
  segmentMs: number;
}

/** What one condition (plain or stalled) measured, over its segments. */
interface Condition {
  p50: number;
  p99: number;
  /** Event frames of its segments' requests received, over subscribers × those requests. */
  delivered: number;
  /** The daemon's CPU over its segments. */
  cpuPercent: number;
  /** The client processes' CPU over its segments, all together. */
  clientCpuPercent: number;
}

/** What {@linkcode measure} returns. */
interface Measured {
  plain: Condition;
  stalled: Condition;
  /** Stalled subscribers that got their `overflow` frame, of how many. */
  overflowed: number;
  stalledCount: number;
  /** Each segment's p99 in run order, marked `P` (plain) or `S` (stalled): the noise to judge the ratio by. */
  segmentP99: string;
}

/** Measures subscriptions; see the module doc. */
export async function benchSubscribe(
  options: BenchOptions,
  subscribers?: number,
): Promise<Figure[]> {
  const size: Size = subscribers === undefined ? SIZES[options.mode] : {
    ...SIZES[options.mode],
    subscribers,
    processes: Math.min(4, Math.ceil(subscribers / 25)),
  };
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
    await waitForSocket(socket, 30_000);
    const m = await measureInChild(socket, daemon.pid, size);
    const { plain, stalled } = m;
    const what = `${size.subscribers} subscribers, ${EVENT_RATE.toLocaleString("en-US")} events/s`;
    const segments = `${size.rounds} × ${size.segmentMs / 1000} s`;
    const method = `${size.processes} client process(es); ${segments} of segments alternating ` +
      `with the stalled ones below, after ${size.warmupMs} ms warm-up; from the request that ` +
      `records the event to its arrival; ${(plain.delivered * 100).toFixed(1)} % of the frames ` +
      `expected arrived`;
    return [
      figure(`subscribe: delivery latency p50, ${what}`, plain.p50, "ms", method),
      figure(`subscribe: delivery latency p99, ${what}`, plain.p99, "ms", method),
      figure(
        `subscribe: daemon CPU, ${what}`,
        plain.cpuPercent,
        "% of a core",
        "CPU time of the orchestrator process over the plain segments (events, frames, the " +
          `requests); the client processes used ${plain.clientCpuPercent} % of a core beside it`,
      ),
      figure(
        `subscribe: delivery latency p99 with one subscriber stalled, ${what}`,
        stalled.p99,
        "ms",
        `${segments} of segments, each with one more subscriber that never reads; ` +
          `${m.overflowed} of ${m.stalledCount} got their overflow frame and were closed; ` +
          `${(stalled.delivered * 100).toFixed(1)} % of the others' frames arrived`,
      ),
      figure(
        "subscribe: p99 with a stalled subscriber / without",
        Math.round((stalled.p99 / plain.p99) * 100) / 100,
        "×",
        `the two p99 rows above, measured in alternating segments of one run; p99 (ms) of each ` +
          `segment: ${m.segmentP99}`,
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

/**
 * Runs {@linkcode measure} in a child process (this script with
 * `--measure`): the requests are sent, and the stalled subscribers opened and
 * drained, away from the bench harness, whose heap (a million-event store
 * bench ran before) and timers would otherwise pause the sender and land in
 * the figures.
 */
async function measureInChild(socket: string, pid: number, size: Size): Promise<Measured> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, "--measure", socket, String(pid), JSON.stringify(size)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `subscribe measure failed (exit ${out.code}): ${text.decode(out.stderr).trim().slice(-400)}`,
    );
  }
  return JSON.parse(text.decode(out.stdout)) as Measured;
}

/** A segment of the run: when it begins and ends (epoch ms) and whether it has a stalled subscriber. */
interface Segment {
  from: number;
  to: number;
  stalled: boolean;
  /** CPU ns of the daemon and of each client process over the segment. */
  daemonNs: number;
  clientNs: number;
  sent: number;
}

/**
 * Subscribers ready, then requests at the event rate through the warm-up and
 * the segments; a stalled subscriber is opened as each stalled segment
 * begins and checked for its `overflow` frame once it ends.
 */
async function measure(socket: string, pid: number, size: Size): Promise<Measured> {
  const segmentCount = size.rounds * 2;
  const totalMs = size.warmupMs + segmentCount * size.segmentMs;
  const workers = Array.from({ length: size.processes }, (_, i) => {
    const count = Math.floor(size.subscribers / size.processes) +
      (i < size.subscribers % size.processes ? 1 : 0);
    return subscribersInProcess(socket, count, totalMs + 1500);
  });
  await Promise.all(workers.map((w) => w.ready));
  const client = await ControlClient.connect(socket, { identity: {} });
  const t0 = epochMs();
  const segments: Segment[] = Array.from({ length: segmentCount }, (_, i) => {
    const from = t0 + size.warmupMs + i * size.segmentMs;
    return {
      from,
      to: from + size.segmentMs,
      stalled: (i % 2 === 1) !== (Math.floor(i / 2) % 2 === 1), // P S S P P S …
      daemonNs: 0,
      clientNs: 0,
      sent: 0,
    };
  });
  const cpu = () => ({
    daemon: cpuNs(pid) ?? Number.NaN,
    clients: workers.reduce((sum, w) => sum + (cpuNs(w.pid) ?? 0), 0),
  });
  const checks: Promise<boolean>[] = [];
  let stalled: Promise<StalledSubscriber> | null = null;
  let current = -1;
  let mark = cpu();
  let sent = 0;
  const answers: Promise<unknown>[] = [];
  const end = segments[segmentCount - 1].to;
  while (epochMs() < end) {
    const now = epochMs();
    const at = segments.findIndex((g) => now >= g.from && now < g.to);
    if (at !== current) {
      const next = cpu();
      if (current >= 0) {
        segments[current].daemonNs = next.daemon - mark.daemon;
        segments[current].clientNs = next.clients - mark.clients;
      }
      mark = next;
      if (stalled !== null) checks.push(stalled.then((s) => s.overflowed()));
      stalled = at >= 0 && segments[at].stalled ? stalledSubscriber(socket) : null;
      current = at;
    }
    const due = Math.floor((now - t0) * EVENT_RATE / 1000);
    for (; sent < due; sent++) {
      const sentAt = epochMs();
      if (current >= 0) segments[current].sent++;
      answers.push(client.request("status", [sentAt.toFixed(3)]));
    }
    await sleep(2);
  }
  const last = cpu();
  segments[current].daemonNs = last.daemon - mark.daemon;
  segments[current].clientNs = last.clients - mark.clients;
  if (stalled !== null) checks.push(stalled.then((s) => s.overflowed()));
  await Promise.all(answers);
  client.close();
  const samples = (await Promise.all(workers.map((w) => w.samples))).flat();
  const overflows = await Promise.all(checks);
  return {
    plain: condition(samples, segments.filter((g) => !g.stalled), size),
    stalled: condition(samples, segments.filter((g) => g.stalled), size),
    overflowed: overflows.filter(Boolean).length,
    stalledCount: overflows.length,
    segmentP99: segments.map((g) => `${g.stalled ? "S" : "P"} ${condition(samples, [g], size).p99}`)
      .join(", "),
  };
}

/** One condition's figures from the samples sent within its segments (pure). */
function condition(samples: DelaySample[], segments: Segment[], size: Size): Condition {
  const delays = samples.filter((s) => segments.some((g) => s.sent >= g.from && s.sent < g.to))
    .map((s) => s.delayMs).sort((a, b) => a - b);
  const ms = segments.length * size.segmentMs;
  const percent = (ns: number) => round(ns / 1e6 / ms * 100);
  const sum = (f: (g: Segment) => number) => segments.reduce((total, g) => total + f(g), 0);
  return {
    p50: round(quantile(delays, 0.5)),
    p99: round(quantile(delays, 0.99)),
    delivered: delays.length / (size.subscribers * sum((g) => g.sent)),
    cpuPercent: percent(sum((g) => g.daemonNs)),
    clientCpuPercent: percent(sum((g) => g.clientNs)),
  };
}

/** A subscriber that never reads, until asked whether it was sent `overflow`. */
interface StalledSubscriber {
  overflowed(): Promise<boolean>;
}

/**
 * A subscriber that never reads; `overflowed` then reads what it was sent,
 * looking for `overflow` (until 500 ms pass without a frame).
 */
async function stalledSubscriber(socket: string): Promise<StalledSubscriber> {
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
          if (startsWith(out.payload, OVERFLOW)) return true;
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

const OVERFLOW = new TextEncoder().encode('{"type":"overflow"');

/** True when `bytes` begins with `prefix` (pure; no decoding, no allocation). */
function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (import.meta.main && Deno.args[0] === "--measure") {
  const [, socket, pid, size] = Deno.args;
  console.log(JSON.stringify(await measure(socket, Number(pid), JSON.parse(size) as Size)));
} else if (import.meta.main) {
  const mode = Deno.args.includes("--full")
    ? "full"
    : Deno.args.includes("--quick")
    ? "quick"
    : "smoke";
  const count = Deno.args.find((a) => a.startsWith("--subscribers="));
  const subscribers = count === undefined
    ? undefined
    : Number(count.slice("--subscribers=".length));
  if (subscribers !== undefined && !(Number.isInteger(subscribers) && subscribers >= 1)) {
    throw new Error(`--subscribers= takes a whole number of at least 1, not "${count}"`);
  }
  const scratch = `${ROOT}/bench/.scratch/subscribe`;
  for (const f of await benchSubscribe({ mode, scratch }, subscribers)) {
    console.log(`${f.name}: ${f.value} ${f.unit} (${f.note})`);
  }
}
