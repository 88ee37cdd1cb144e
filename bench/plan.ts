/**
 * How much each mode measures (pure). `smoke` = CI (orchestrator only, 10
 * agents, no installs, < ~60 s); `quick` < 3 min; `full` < 15 min.
 *
 * @module
 */

import type { BenchOptions, BenchSystem } from "./figure.ts";
import type { ScenarioTiming } from "./scenarios.ts";

/** One agent count measured cold: bring-up `reps` times, stop-all in the first `stopReps`. */
export interface SizePlan {
  n: number;
  reps: number;
  stopReps: number;
}

/** Everything a run measures. */
export interface Plan {
  mode: BenchOptions["mode"];
  systems: BenchSystem[];
  /** Agents running during the CLI / persistent / throughput / crash figures. */
  ctlAgents: number;
  cliRuns: number;
  cliWarmup: number;
  persistentCalls: number;
  throughputConnections: number;
  throughputMs: number;
  crashReps: number;
  sizes: SizePlan[];
  /** Settle time before memory figures. */
  settleMs: number;
  logAgents: number;
  logSettleMs: number;
  logWindowMs: number;
  /** Reload with one agent changed: agents running, and reloads (each changes a1 again). */
  reload: { agents: number; reps: number };
  /** Flood cases (one agent): settle time, polling window, pause between status calls. */
  flood: { settleMs: number; windowMs: number; intervalMs: number };
  timing: ScenarioTiming;
  /** Whole-run bound; steps still running then are abandoned and reported. */
  budgetMs: number;
}

/**
 * The orchestrator's command in the throughput figure: `status` (all agents),
 * the same as the persistent-client figure, so both control figures mean one
 * thing (`ps` answers a shorter list and is a little cheaper).
 */
export const THROUGHPUT_COMMAND: "status" | "ps" = "status";

/**
 * Untimed calls before the orchestrator's persistent-client figure and the
 * IPC floor's (the same for both): the measuring client is a fresh process
 * whose first thousand or so calls run in V8's interpreter and baseline
 * tiers, which would otherwise add tens of µs to p50 and hundreds to p99
 * (measured: 300 warm-up calls gave p50 79–131 µs over three runs against
 * one orchestrator, 2,000 gave 60–67 µs). ~0.2 s.
 */
export const PERSISTENT_WARMUP = 2000;

const TIMING: ScenarioTiming = { pollMs: 50, crashPollMs: 1, timeoutMs: 120_000 };

/** The plan of `mode`. */
export function planFor(mode: BenchOptions["mode"]): Plan {
  switch (mode) {
    case "smoke":
      return {
        mode,
        systems: ["orchestrator"],
        ctlAgents: 10,
        cliRuns: 5,
        cliWarmup: 1,
        persistentCalls: 200,
        throughputConnections: 50,
        throughputMs: 500,
        crashReps: 3,
        sizes: [{ n: 10, reps: 1, stopReps: 1 }],
        settleMs: 300,
        logAgents: 10,
        logSettleMs: 300,
        logWindowMs: 1500,
        reload: { agents: 10, reps: 1 },
        flood: { settleMs: 300, windowMs: 1000, intervalMs: 10 },
        timing: { ...TIMING, timeoutMs: 20_000 },
        budgetMs: 55_000,
      };
    case "quick":
      return {
        mode,
        systems: ["orchestrator", "supervisord", "pm2"],
        ctlAgents: 10,
        cliRuns: 10,
        cliWarmup: 2,
        persistentCalls: 2000,
        throughputConnections: 50,
        throughputMs: 1000,
        crashReps: 5,
        // stop of 500 only in full: `pm2 stop all` alone takes ~40 s there
        sizes: [{ n: 100, reps: 1, stopReps: 1 }, { n: 500, reps: 1, stopReps: 0 }],
        settleMs: 1000,
        logAgents: 100,
        logSettleMs: 1000,
        logWindowMs: 3000,
        reload: { agents: 500, reps: 2 },
        flood: { settleMs: 1000, windowMs: 3000, intervalMs: 10 },
        timing: { ...TIMING, timeoutMs: 60_000 },
        budgetMs: 170_000,
      };
    case "full":
      return {
        mode,
        systems: ["orchestrator", "supervisord", "pm2"],
        ctlAgents: 10,
        cliRuns: 30,
        cliWarmup: 3,
        persistentCalls: 5000,
        throughputConnections: 50,
        throughputMs: 3000,
        crashReps: 10,
        sizes: [{ n: 100, reps: 5, stopReps: 5 }, { n: 500, reps: 3, stopReps: 2 }],
        settleMs: 3000,
        logAgents: 100,
        logSettleMs: 3000,
        logWindowMs: 10_000,
        reload: { agents: 500, reps: 5 },
        flood: { settleMs: 2000, windowMs: 5000, intervalMs: 10 },
        timing: TIMING,
        budgetMs: 14 * 60_000,
      };
  }
}

/**
 * Parses the bench's argv (pure): `--smoke`, `--quick` (default full),
 * `--only a,b`, `--render-only` (rewrite the report from its saved JSON).
 */
export function parseBenchArgs(argv: readonly string[]): {
  mode: BenchOptions["mode"];
  only: BenchSystem[] | null;
  help: boolean;
  renderOnly: boolean;
} {
  let mode: BenchOptions["mode"] = "full";
  let only: BenchSystem[] | null = null;
  let help = false;
  let renderOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--smoke") mode = "smoke";
    else if (a === "--quick") mode = "quick";
    else if (a === "--full") mode = "full";
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--render-only") renderOnly = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const value = a === "--only" ? argv[++i] : a.slice("--only=".length);
      if (value === undefined) throw new Error(`Option "--only" needs a value`);
      const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
      for (const s of names) {
        if (s !== "orchestrator" && s !== "supervisord" && s !== "pm2") {
          throw new Error(`Unknown system "${s}": expected orchestrator, supervisord or pm2`);
        }
      }
      only = names as BenchSystem[];
    } else throw new Error(`Unknown option "${a}"`);
  }
  return { mode, only, help, renderOnly };
}
