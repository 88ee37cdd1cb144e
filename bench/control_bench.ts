/**
 * Control-plane figures (dev bench): a persistent client's `status <agent>`
 * latency (p50/p99, one request at a time) and throughput with 50
 * concurrent connections, against a given socket. `bench/main.ts` (the bench
 * helper) calls `benchControl`; run alone it starts an in-process
 * orchestrator with one agent and prints the figures:
 *
 *     deno run -A bench/control_bench.ts [--requests N]
 *
 * @module
 */

import type { BenchOptions, Figure } from "./figure.ts";
import { ControlClient } from "../lib/control/client.ts";

/** Options of `measureControl`. */
export interface ControlBenchOptions {
  socket: string;
  /** Agent named in `status <agent>`. */
  agent: string;
  /** Sequential requests for the latency figures. */
  latencyRequests: number;
  /** Requests per connection for the throughput figure. */
  throughputRequests: number;
  connections: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Measures latency and throughput of `status <agent>` against a running orchestrator. */
export async function measureControl(options: ControlBenchOptions): Promise<Figure[]> {
  const client = await ControlClient.connect(options.socket);
  const samples: number[] = [];
  try {
    for (let i = 0; i < Math.min(2000, options.latencyRequests); i++) {
      await client.request("status", [options.agent]); // warm-up
    }
    for (let i = 0; i < options.latencyRequests; i++) {
      const t0 = performance.now();
      const res = await client.request("status", [options.agent]);
      samples.push((performance.now() - t0) * 1000);
      if (res.status !== "success") throw new Error(`status failed: ${JSON.stringify(res)}`);
    }
  } finally {
    client.close();
  }
  samples.sort((a, b) => a - b);

  const clients = await Promise.all(
    Array.from({ length: options.connections }, () => ControlClient.connect(options.socket)),
  );
  let elapsed: number;
  try {
    const t0 = performance.now();
    await Promise.all(clients.map(async (c) => {
      // a window of 8 requests in flight per connection (pipelined)
      const window = 8;
      let sent = 0;
      const inFlight: Promise<unknown>[] = [];
      while (sent < options.throughputRequests) {
        while (inFlight.length < window && sent < options.throughputRequests) {
          inFlight.push(c.request("status", [options.agent]));
          sent++;
        }
        await inFlight.shift();
      }
      await Promise.all(inFlight);
    }));
    elapsed = (performance.now() - t0) / 1000;
  } finally {
    for (const c of clients) c.close();
  }
  const total = options.connections * options.throughputRequests;
  const note = "client and server in separate processes unless run standalone";
  return [
    {
      name: "control: status p50, persistent client",
      system: "orchestrator",
      value: Math.round(percentile(samples, 0.5) * 10) / 10,
      unit: "µs",
      lowerIsBetter: true,
      note: `${samples.length} sequential requests`,
    },
    {
      name: "control: status p99, persistent client",
      system: "orchestrator",
      value: Math.round(percentile(samples, 0.99) * 10) / 10,
      unit: "µs",
      lowerIsBetter: true,
      note: `${samples.length} sequential requests`,
    },
    {
      name: `control: status throughput, ${options.connections} connections`,
      system: "orchestrator",
      value: Math.round(total / elapsed),
      unit: "req/s",
      lowerIsBetter: false,
      note: `${total} requests, 8 pipelined per connection; ${note}`,
    },
  ];
}

/**
 * Starts an orchestrator (`deno run -A cli.ts run`) with one agent in
 * `options.scratch` and measures the control plane against it.
 */
export async function benchControl(options: BenchOptions): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ob" });
  const socket = `${dir}/o.sock`;
  const config = `${dir}/cfg.jsonc`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      enable_command_interface: true,
      command_socket_path: socket,
      log_cli_commands: false,
      agents: [{
        name: "web",
        tool_call_template: { call_template_type: "cli", command: "sleep", args: ["600"] },
      }],
    }),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../cli.ts", import.meta.url).pathname, "run", config],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const end = Date.now() + 20_000;
    for (;;) {
      try {
        (await Deno.connect({ transport: "unix", path: socket })).close();
        break;
      } catch {
        if (Date.now() > end) throw new Error("orchestrator did not start");
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const scale = options.mode === "smoke" ? 0.1 : options.mode === "quick" ? 0.5 : 1;
    return await measureControl({
      socket,
      agent: "web",
      latencyRequests: Math.round(20_000 * scale),
      throughputRequests: Math.round(2_000 * scale),
      connections: 50,
    });
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const figures = await benchControl({ mode: "full", scratch: "/tmp" });
  for (const f of figures) console.log(`${f.name}: ${f.value} ${f.unit} (${f.note})`);
}
