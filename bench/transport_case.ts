/**
 * The orchestrator's control figures through each transport of its socket
 * (docs/systemd.md, "Figures"): `Deno.listen` (the default) and `node:net`
 * with verified callers (`command_socket_verify_peer: true`, the transport
 * of a socket passed by systemd too). The same config, agents and client,
 * a fresh daemon for each, measured back to back in one run.
 *
 * `deno task bench` includes these rows; alone:
 * `deno run -A bench/transport_case.ts [ROUNDS]` prints them for ROUNDS
 * (default 3) rounds of both transports with the quick plan's counts.
 *
 * @module
 */

import type { Figure } from "./figure.ts";
import { sleep } from "./measure/child.ts";
import { summarize } from "./measure/percentiles.ts";
import { cpuNs } from "./measure/proc.ts";
import { Orchestrator } from "./orchestrator_system.ts";
import { PERSISTENT_WARMUP, type Plan, planFor, THROUGHPUT_COMMAND } from "./plan.ts";
import { bringUp } from "./scenarios.ts";

/** A transport measured, and how its rows are named. */
export type TransportCase = { verifyPeer: boolean; label: string };

/** The transports, in the order measured. */
export const TRANSPORT_CASES: readonly TransportCase[] = [
  { verifyPeer: false, label: "Deno.listen" },
  { verifyPeer: true, label: "node:net, verified callers" },
];

/**
 * Brings the orchestrator up with `plan.ctlAgents` agents over `which`
 * transport, lets it settle, and measures persistent `status` (p50, p99)
 * and the closed-loop rate of `plan.throughputConnections` connections
 * with the daemon's CPU meanwhile. The caller tears the daemon down.
 */
export async function transportFigures(
  sut: Orchestrator,
  plan: Plan,
  which: TransportCase,
): Promise<Omit<Figure, "system">[]> {
  sut.useVerifiedPeers(which.verifyPeer);
  try {
    await bringUp(sut, plan.ctlAgents, "sleep", plan.timing);
  } finally {
    sut.useVerifiedPeers(false);
  }
  await sleep(plan.settleMs);
  const s = summarize(
    (await sut.persistentStatus(plan.persistentCalls)).map((ns) => ns / 1000),
  );
  const cpu0 = cpuNs(sut.daemonPid());
  const t0 = performance.now();
  const rps = await sut.throughput(plan.throughputConnections, plan.throughputMs);
  const cpu1 = cpuNs(sut.daemonPid());
  const busy = cpu0 === null || cpu1 === null
    ? "?"
    : ((cpu1 - cpu0) / 1e6 / (performance.now() - t0) * 100).toFixed(0);
  const out: Omit<Figure, "system">[] = [
    {
      name: `transport: persistent status p50, ${which.label}`,
      value: s.p50,
      unit: "µs",
      lowerIsBetter: true,
      note: `${plan.ctlAgents} agents, fresh daemon, ${s.n} sequential \`status\` calls after ` +
        `${PERSISTENT_WARMUP} untimed; min ${s.min.toFixed(0)} / max ${s.max.toFixed(0)} µs`,
    },
    {
      name: `transport: persistent status p99, ${which.label}`,
      value: s.p99,
      unit: "µs",
      lowerIsBetter: true,
    },
  ];
  if (rps !== null) {
    out.push({
      name: `transport: throughput, ${plan.throughputConnections} connections, ${which.label}`,
      value: rps,
      unit: "req/s",
      lowerIsBetter: false,
      note: `\`${THROUGHPUT_COMMAND}\` from ${plan.throughputConnections} lean clients, closed ` +
        `loop, ${plan.throughputMs / 1000} s; daemon CPU ${busy}% of a core meanwhile`,
    });
  }
  return out;
}

async function main(args: string[]): Promise<number> {
  const rounds = Number(args[0] ?? "3");
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error("Usage: deno run -A bench/transport_case.ts [ROUNDS]");
    return 2;
  }
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "bt" });
  const sut = new Orchestrator(root, dir);
  const plan = planFor("quick");
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const which of TRANSPORT_CASES) {
        try {
          for (const f of await transportFigures(sut, plan, which)) {
            const value = f.unit === "req/s" ? Math.round(f.value) : f.value.toFixed(1);
            console.log(
              `round ${round}  ${f.name}: ${value} ${f.unit}${f.note ? `  (${f.note})` : ""}`,
            );
          }
        } finally {
          await sut.teardown();
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
