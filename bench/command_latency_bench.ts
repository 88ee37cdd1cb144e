/**
 * Command latency under the durability contract (docs/events.md,
 * "Durability"): a real `orchestrator run` with a file event store and an
 * audit log, one running agent, and one persistent connection that sends
 * `pause` and `resume` alternately (state-changing: answered after their
 * events are committed) and then `status` (read-only: batched). Prints the
 * latency percentiles of each, in µs.
 *
 * Standalone: `deno run -A bench/command_latency_bench.ts [COUNT] [ROOT]`
 * (COUNT requests of each kind, default 2000; ROOT the checkout whose
 * `cli.ts` runs, default this one, e.g. to compare with an older copy).
 *
 * @module
 */

import { encodeRequestFrame, FramedClient } from "./measure/framed_client.ts";
import { summarize } from "./measure/percentiles.ts";
import { waitForSocket } from "./measure/child.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function timed(client: FramedClient, frames: Uint8Array[], count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await client.call(frames[i % frames.length]);
    out.push((performance.now() - t) * 1000);
  }
  return out;
}

function line(name: string, samples: number[]): string {
  const s = summarize(samples);
  return `${name.padEnd(14)} n=${s.n} p50=${s.p50.toFixed(0)} µs p90=${s.p90.toFixed(0)} µs ` +
    `p99=${s.p99.toFixed(0)} µs mean=${s.mean.toFixed(0)} µs`;
}

async function main(): Promise<void> {
  const count = Number(Deno.args[0] ?? 2000);
  const root = Deno.args[1] ?? ROOT;
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "cl" });
  const socket = `${dir}/o.sock`;
  const config = {
    enable_command_interface: true,
    command_socket_path: socket,
    cli_audit_log_path: `${dir}/audit.log`,
    log_cli_commands: false,
    event_store_path: `${dir}/events.db`,
    agents: [{
      name: "a",
      tool_call_template: { call_template_type: "cli", command: "sleep", args: ["1000"] },
    }],
  };
  await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(config));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/cli.ts`, "run", `${dir}/cfg.json`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForSocket(socket, 20_000);
    const client = await FramedClient.connect(socket);
    try {
      const toggle = [
        encodeRequestFrame({ command: "pause", args: ["a"] }),
        encodeRequestFrame({ command: "resume", args: ["a"] }),
      ];
      const status = [encodeRequestFrame({ command: "status" })];
      await timed(client, toggle, 200);
      await timed(client, status, 200);
      const toggles = await timed(client, toggle, count);
      const statuses = await timed(client, status, count);
      console.log(line("pause/resume", toggles));
      console.log(line("status", statuses));
    } finally {
      client.close();
    }
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
