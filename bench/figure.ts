/**
 * One measured figure, as every bench module reports it. `bench/main.ts`
 * collects them into `bench/results/latest.md`.
 *
 * @module
 */

/** A system measured in the same run. */
export type BenchSystem = "orchestrator" | "supervisord" | "pm2";

/** One figure. `lowerIsBetter` decides which peer is "best" for the ratio. */
export interface Figure {
  /** Row name, e.g. "bring-up of 500 sleep agents". */
  name: string;
  system: BenchSystem;
  value: number;
  unit: string;
  lowerIsBetter: boolean;
  /** Method or caveat shown beside the figure. */
  note?: string;
}

/** How much to measure: `smoke` = CI (10 agents, orchestrator only), `quick` < 3 min, full < 15 min. */
export interface BenchOptions {
  mode: "smoke" | "quick" | "full";
  /** Scratch folder for sockets, configs, stores. */
  scratch: string;
}
