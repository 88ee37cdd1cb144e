/**
 * The control socket's two transports side by side: the floor server over
 * `Deno.listen` (floor_server.ts) and over `node:net`
 * (floor_server_node.ts, the transport of an inherited systemd socket and
 * of verified peers), measured the same way by the same out-of-process
 * client: sequential latency on one persistent connection, and the
 * closed-loop rate of many connections. Figures, never assertions.
 *
 * `deno run -A bench/measure/transport_compare.ts [CALLS] [CONNECTIONS] [MS]`
 * prints a table (defaults: 5000 calls, 50 connections, 3000 ms).
 *
 * @module
 */

import { type FloorTransport, measureIpcFloor } from "./ipc_floor.ts";
import { summarize } from "./percentiles.ts";

/** One transport's figures. */
export interface TransportFigures {
  transport: FloorTransport;
  /** Sequential request latency on one connection, µs. */
  p50Us: number;
  p99Us: number;
  /** Closed-loop requests/s over `connections` connections. */
  rps: number;
  /** Server CPU during the closed loop, % of a core (null if unreadable). */
  serverCpuPct: number | null;
}

/** Measures both transports, one after the other, each with a fresh server in `dir`. */
export async function compareTransports(options: {
  dir: string;
  answerBytes?: number;
  calls: number;
  warmup?: number;
  connections: number;
  ms: number;
}): Promise<TransportFigures[]> {
  const out: TransportFigures[] = [];
  for (const transport of ["deno", "node"] as const) {
    const r = await measureIpcFloor({
      dir: options.dir,
      answerBytes: options.answerBytes ?? 100,
      calls: options.calls,
      warmup: options.warmup ?? Math.min(500, options.calls),
      connections: options.connections,
      ms: options.ms,
      transport,
    });
    const s = summarize(r.latenciesNs);
    out.push({
      transport,
      p50Us: s.p50 / 1000,
      p99Us: s.p99 / 1000,
      rps: r.rps,
      serverCpuPct: r.serverCpuPct,
    });
  }
  return out;
}

/** The figures as an aligned text table (pure). */
export function formatComparison(rows: readonly TransportFigures[], connections: number): string {
  const name = (t: FloorTransport) => (t === "deno" ? "Deno.listen" : "node:net");
  const lines = [
    `transport    p50 µs  p99 µs  req/s (${connections} conns)  server CPU`,
    ...rows.map((r) =>
      `${name(r.transport).padEnd(11)} ${r.p50Us.toFixed(1).padStart(7)} ${
        r.p99Us.toFixed(1).padStart(7)
      }  ${Math.round(r.rps).toString().padStart(18)}  ${
        r.serverCpuPct === null ? "n/a" : `${r.serverCpuPct.toFixed(0)} %`
      }`
    ),
  ];
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const [calls, connections, ms] = [args[0] ?? "5000", args[1] ?? "50", args[2] ?? "3000"].map(
    Number,
  );
  if (![calls, connections, ms].every((n) => Number.isInteger(n) && n > 0)) {
    console.error("Usage: transport_compare.ts [CALLS] [CONNECTIONS] [MS]");
    return 2;
  }
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "tc" });
  try {
    const rows = await compareTransports({ dir, calls, connections, ms });
    console.log(formatComparison(rows, connections));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
