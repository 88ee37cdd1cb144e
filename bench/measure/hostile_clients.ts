/**
 * Daemon memory under clients that pipeline large requests and never read
 * their answers (docs/benchmarks.md, "Hostile clients"). Starts
 * `orchestrator run` on a generated config (10 sleep agents, socket
 * enabled), records its idle VmRSS, then opens CLIENTS connections that each
 * write 1 MiB `ps` requests with a 1 MiB `id` (so every answer is 1 MiB too)
 * back to back for SECONDS, never reading. Prints one JSON line: idle, peak
 * (sampled every 50 ms) and after (5 s after the clients are gone) RSS in
 * MiB, requests sent, connections the server closed. Prints figures only.
 *
 *   deno run -A bench/measure/hostile_clients.ts [CLIENTS=60] [SECONDS=5] [ROOT=.]
 *
 * ROOT is the checkout whose `cli.ts` runs (measure another build with it).
 * The daemon is ended by pid.
 *
 * @module
 */

import { encodeRawFrame } from "../../lib/control/frame.ts";
import { waitForSocket } from "./child.ts";

const MIB = 1024 * 1024;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m === null ? 0 : Math.round(Number(m[1]) / 1024);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `frame` until the server closes the connection or `stop` is set. */
async function flood(
  conn: Deno.UnixConn,
  frame: Uint8Array,
  state: { sent: number; closedByServer: number; stop: boolean },
): Promise<void> {
  try {
    while (!state.stop) {
      let off = 0;
      while (off < frame.length) off += await conn.write(frame.subarray(off));
      state.sent++;
    }
  } catch {
    if (!state.stop) state.closedByServer++;
  }
}

async function main(args: string[]): Promise<void> {
  const clients = Number(args[0] ?? 60);
  const seconds = Number(args[1] ?? 5);
  const root = args[2] ?? new URL("../..", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "oh" });
  const socket = `${dir}/o.sock`;
  const agents = Array.from({ length: 10 }, (_, i) => ({
    name: `a${i + 1}`,
    tool_call_template: { call_template_type: "cli", command: "sleep", args: ["3600"] },
  }));
  const config = `${dir}/cfg.jsonc`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      enable_command_interface: true,
      command_socket_path: socket,
      log_cli_commands: false,
      agents,
    }),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--max-semi-space-size=2", "-A", `${root}/cli.ts`, "run", config],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const conns: Deno.UnixConn[] = [];
  try {
    await waitForSocket(socket, 15_000);
    await sleep(2000);
    const idle = rssMiB(child.pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(child.pid))), 50);
    const payload = new TextEncoder().encode(
      JSON.stringify({ command: "ps", id: "x".repeat(MIB - 64) }),
    );
    const frame = encodeRawFrame(payload);
    const state = { sent: 0, closedByServer: 0, stop: false };
    const floods: Promise<void>[] = [];
    for (let i = 0; i < clients; i++) {
      const conn = await Deno.connect({ transport: "unix", path: socket });
      conns.push(conn);
      floods.push(flood(conn, frame, state));
    }
    await sleep(seconds * 1000);
    state.stop = true;
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // closed by the server
      }
    }
    await Promise.all(floods);
    await sleep(5000);
    clearInterval(sampler);
    const after = rssMiB(child.pid);
    console.log(JSON.stringify({ clients, seconds, idle, peak, after, ...state, stop: undefined }));
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // gone
    }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main(Deno.args);
