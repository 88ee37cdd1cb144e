/**
 * Samples the CPU and memory of every live agent on a timer
 * (`resource_sample_interval`, docs/operations.md "CPU and memory of agents"): one pass
 * over `/proc` for all agents (lib/resources/proc_scan.ts), figures from
 * the pure `usageStep`, handed to the supervisor in one step, which bumps
 * the change counter once when any figure changed. Queries serve the last
 * sample; nothing is read per request.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { procAvailable, procUnits, type ScanTarget, scanTargets } from "../resources/proc_scan.ts";
import { type CpuBaseline, usageStep } from "../resources/usage.ts";
import type { Agent } from "./agent.ts";

const log = getLogger(["orchestrator", "resources"]);

/** One agent's figures of a sample. */
export interface AgentUsage {
  cpuPercent: number | null;
  memoryBytes: number | null;
}

/** What the sampler needs from the supervisor. */
export interface SampledAgents {
  /** Every agent, in config order. */
  /** The agents now (a reload replaces the list). */
  agents(): readonly Agent[];
  /** Milliseconds since the epoch. */
  now(): number;
  /** The agent's cgroup directory in cgroup containment, else `null`. */
  cgroupOf(name: string): string | null;
  /** Takes the figures of one sample (every live agent's). */
  applyUsage(usage: Map<Agent, AgentUsage>): void;
}

/** Samples on a timer from `start()` until `stop()`. */
export class ResourceSampler {
  readonly #source: SampledAgents;
  #intervalMs: number;
  readonly #baselines = new WeakMap<Agent, CpuBaseline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  /** Bumped by each change of interval: a sample begun before one is dropped. */
  #generation = 0;
  #running = false;
  #stopped = false;

  /** `intervalMs` ≤ 0, or a machine without `/proc`, samples nothing. */
  constructor(source: SampledAgents, intervalMs: number) {
    this.#source = source;
    this.#intervalMs = intervalMs;
  }

  /** Starts sampling: the first sample after one interval. */
  start(): void {
    if (this.#stopped) return;
    this.#started = true;
    if (this.#running || this.#intervalMs <= 0 || !procAvailable()) return;
    this.#running = true;
    this.#next();
  }

  /**
   * A new interval (a reload), in effect at once: the next sample comes one
   * new interval from now. 0 stops sampling and clears the figures shown; a
   * later non-zero interval starts it again.
   */
  setIntervalMs(ms: number): void {
    if (ms === this.#intervalMs) return;
    this.#intervalMs = ms;
    this.#generation++;
    if (!this.#started || this.#stopped) return; // start() takes it
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = false;
    if (ms <= 0) {
      const cleared = new Map<Agent, AgentUsage>();
      for (const a of this.#source.agents()) {
        if (a.run !== null) cleared.set(a, { cpuPercent: null, memoryBytes: null });
      }
      this.#source.applyUsage(cleared);
      return;
    }
    this.start();
  }

  /** Stops sampling (a sample under way is dropped). */
  stop(): void {
    this.#running = false;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #next(): void {
    // One timer at a time: a sample under way when the interval changed calls this again.
    if (!this.#running || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.sample().catch((error) =>
        log.error("Cannot sample the agents' CPU and memory: {error}", { error: String(error) })
      ).finally(() => this.#next());
    }, this.#intervalMs);
  }

  /** Takes one sample now and hands it to the supervisor. */
  async sample(): Promise<void> {
    const source = this.#source;
    const live = source.agents().filter((a) => a.run !== null);
    const targets: ScanTarget[] = live.map((a) => ({
      key: a.config.name,
      pgid: a.run!.proc.pid,
      cgroup: source.cgroupOf(a.config.name),
    }));
    const generation = this.#generation;
    const totals = targets.length === 0 ? new Map() : await scanTargets(targets);
    if (generation !== this.#generation) return; // the interval changed meanwhile: stale
    const now = source.now();
    const units = procUnits();
    const usage = new Map<Agent, AgentUsage>();
    for (const agent of live) {
      const run = agent.run;
      const found = totals.get(agent.config.name);
      // The run ended during the scan, or every process of it is gone already.
      if (run === null || found === undefined) continue;
      const step = usageStep(
        this.#baselines.get(agent),
        { pid: run.proc.pid, startedAt: run.startedAt, now },
        found,
        units,
      );
      this.#baselines.set(agent, step.baseline);
      usage.set(agent, { cpuPercent: step.cpuPercent, memoryBytes: step.memoryBytes });
    }
    if (!this.#stopped) source.applyUsage(usage);
  }
}
