/**
 * The measurements, the same for every system: cold bring-up, stop of all,
 * crash → restarted, daemon memory, the logging case. Each takes a
 * `SystemUnderTest` whose daemon the caller tears down in a `finally`.
 *
 * @module
 */

import { pollUntil, sleep } from "./measure/child.ts";
import { median } from "./measure/percentiles.ts";
import { cpuNs, isAlive, memoryOf } from "./measure/proc.ts";
import { type AgentKind, type AgentRow, LOG_LINE_BYTES, type SystemUnderTest } from "./system.ts";

/** Polling and time bounds of the scenarios. */
export interface ScenarioTiming {
  /** Poll interval for bring-up and stop (resolution of those figures). */
  pollMs: number;
  /** Poll interval for crash → restarted. */
  crashPollMs: number;
  /** Bound of one wait (bring-up, stop, one restart). */
  timeoutMs: number;
}

/** Bound of one crash → restarted wait. */
const CRASH_TIMEOUT_MS = 15_000;

/** Cold bring-up: from launching the daemon until every agent is reported up. */
export async function bringUp(
  sut: SystemUnderTest,
  n: number,
  kind: AgentKind,
  timing: ScenarioTiming,
): Promise<{ totalS: number; startCmdS: number }> {
  await sut.prepare(n, kind);
  const t0 = performance.now();
  await sut.start();
  const tCmd = performance.now();
  await pollUntil(async () => {
    const failure = sut.failure();
    if (failure !== null) throw new Error(`${sut.system} did not come up: ${failure}`);
    const rows = await sut.states();
    return rows !== null && rows.length === n && rows.every((r) => r.up && r.pid > 0) ? true : null;
  }, { ...timing, intervalMs: timing.pollMs, what: `${sut.system}: ${n} agents up` });
  return { totalS: (performance.now() - t0) / 1000, startCmdS: (tCmd - t0) / 1000 };
}

/**
 * Stop of all agents: from the stop action until the system reports every
 * agent stopped and every agent pid is gone. `agentsGoneS` is when the last
 * agent pid was first seen gone.
 */
export async function stopAll(
  sut: SystemUnderTest,
  n: number,
  timing: ScenarioTiming,
): Promise<{ totalS: number; cmdS: number; agentsGoneS: number }> {
  const rows = await sut.states();
  if (rows === null || rows.length !== n || rows.some((r) => r.pid <= 0)) {
    throw new Error(`${sut.system}: not all ${n} agents running before stop`);
  }
  const pids = rows.map((r) => r.pid);
  let left = pids;
  let goneAt = 0;
  const t0 = performance.now();
  const watch = (async () => {
    while (left.length > 0 && performance.now() - t0 < timing.timeoutMs) {
      await sleep(Math.min(5, timing.pollMs));
      // a gone pid stays gone: drop them from the end until one is alive, so
      // a poll reads one /proc file, not N, while the system is stopping
      while (left.length > 0 && !isAlive(left[left.length - 1])) left = left.slice(0, -1);
    }
    goneAt = performance.now();
  })();
  await sut.stopAll();
  const tCmd = performance.now();
  await pollUntil(async () => (await sut.allStopped()) && left.length === 0 ? true : null, {
    ...timing,
    intervalMs: timing.pollMs,
    what: `${sut.system}: all ${n} agents stopped`,
  });
  const t1 = performance.now();
  await watch;
  return { totalS: (t1 - t0) / 1000, cmdS: (tCmd - t0) / 1000, agentsGoneS: (goneAt - t0) / 1000 };
}

/**
 * Crash → restarted: SIGKILL an agent's pid, then poll its status until it
 * shows a new pid, up. A different agent each time (a1…an); ms per sample.
 */
export async function crashRestart(
  sut: SystemUnderTest,
  n: number,
  reps: number,
  timing: ScenarioTiming,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const name = `a${(i % n) + 1}`;
    const before = await sut.stateOf(name);
    if (before === null || !before.up || before.pid <= 0) {
      throw new Error(`${sut.system}: agent "${name}" not running before the crash test`);
    }
    const t0 = performance.now();
    Deno.kill(before.pid, "SIGKILL");
    let last: AgentRow | null = null;
    try {
      await pollUntil(async () => {
        last = await sut.stateOf(name);
        return last !== null && last.up && last.pid > 0 && last.pid !== before.pid ? true : null;
      }, {
        timeoutMs: CRASH_TIMEOUT_MS,
        intervalMs: timing.crashPollMs,
        what: `${sut.system}: "${name}" restarted`,
      });
    } catch (error) {
      throw new Error(
        `${(error as Error).message} (crash ${i + 1}; last seen ${JSON.stringify(last)})`,
      );
    }
    samples.push(performance.now() - t0);
    await sleep(300);
  }
  return samples;
}

/** One reload of the reload scenario. */
export interface ReloadSample {
  /** Until the system's reload action answered. */
  ms: number;
  /** Agents whose pid changed (must be 1: a1). */
  restarted: number;
}

/**
 * Reload with one agent changed: `n` sleep agents up, then `reps` times a
 * new version of the config in which only a1 differs, applied with the
 * system's reload action (`sut.reload`); after each, waits until every
 * agent is up again and counts the agents whose pid changed.
 */
export async function reloadOneChanged(
  sut: SystemUnderTest,
  n: number,
  reps: number,
  timing: ScenarioTiming,
): Promise<ReloadSample[]> {
  if (sut.reload === undefined) throw new Error(`${sut.system} has no reload action`);
  await bringUp(sut, n, "sleep", timing);
  const samples: ReloadSample[] = [];
  for (let version = 1; version <= reps; version++) {
    const before = new Map((await sut.states() ?? []).map((r) => [r.name, r.pid]));
    if (before.size !== n) {
      throw new Error(`${sut.system}: not all ${n} agents listed before reload`);
    }
    const ms = await sut.reload(version);
    const rows = await pollUntil(async () => {
      const now = await sut.states();
      const a1 = now?.find((r) => r.name === "a1");
      const ready = now !== null && now.length === n && now.every((r) => r.up && r.pid > 0);
      return ready && a1 !== undefined && a1.pid !== before.get("a1") ? now : null;
    }, { ...timing, intervalMs: timing.pollMs, what: `${sut.system}: a1 restarted by the reload` });
    samples.push({ ms, restarted: rows.filter((r) => r.pid !== before.get(r.name)).length });
  }
  return samples;
}

/** VmRSS and PSS of the daemon process, in MiB. */
export function daemonMemory(sut: SystemUnderTest): { rssMiB: number; pssMiB: number } {
  const m = memoryOf(sut.daemonPid());
  if (m.rssKib === 0) throw new Error(`${sut.system}: cannot read the daemon's memory`);
  return { rssMiB: m.rssKib / 1024, pssMiB: m.pssKib / 1024 };
}

function pathBytes(path: string): number {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory) return st.size;
  let total = 0;
  for (const e of Deno.readDirSync(path)) total += pathBytes(`${path}/${e.name}`);
  return total;
}

/** Result of the logging case. */
export interface LogCase {
  bringUpS: number;
  linesPerS: number;
  expectedLinesPerS: number;
  daemonCpuPct: number;
}

/**
 * Logging case: `n` agents printing 10 lines/s; after `settleMs`, over
 * `windowMs`, the lines that reached the system's log files per second and
 * the daemon's CPU (% of one core, schedstat).
 */
export async function loggingCase(
  sut: SystemUnderTest,
  n: number,
  options: ScenarioTiming & { settleMs: number; windowMs: number },
): Promise<LogCase> {
  const up = await bringUp(sut, n, "log", options);
  await sleep(options.settleMs);
  const pid = sut.daemonPid();
  const sizeNow = () => sut.logPaths().reduce((a, p) => a + pathBytes(p), 0);
  const c0 = cpuNs(pid);
  const b0 = sizeNow();
  const t0 = performance.now();
  await sleep(options.windowMs);
  const c1 = cpuNs(pid);
  const b1 = sizeNow();
  const el = (performance.now() - t0) / 1000;
  if (c0 === null || c1 === null) throw new Error(`${sut.system}: cannot read the daemon's CPU`);
  return {
    bringUpS: up.totalS,
    linesPerS: (b1 - b0) / LOG_LINE_BYTES / el,
    expectedLinesPerS: n * 10,
    daemonCpuPct: ((c1 - c0) / 1e9) / el * 100,
  };
}

/**
 * Forwarding case (orchestrator only): `n` agents printing 10 lines/s with
 * `forward_output` (the daemon's stdout goes to a file); after `settleMs`,
 * over `windowMs`, the lines forwarded per second (`stats`) and the
 * daemon's CPU (% of one core, schedstat).
 */
export async function forwardingCase(
  sut: SystemUnderTest,
  n: number,
  options: ScenarioTiming & {
    settleMs: number;
    windowMs: number;
    forwardedLines: () => Promise<number>;
  },
): Promise<LogCase> {
  const up = await bringUp(sut, n, "log", options);
  await sleep(options.settleMs);
  const pid = sut.daemonPid();
  const l0 = await options.forwardedLines();
  const c0 = cpuNs(pid);
  const t0 = performance.now();
  await sleep(options.windowMs);
  const c1 = cpuNs(pid);
  const el = (performance.now() - t0) / 1000;
  const l1 = await options.forwardedLines();
  if (c0 === null || c1 === null) throw new Error(`${sut.system}: cannot read the daemon's CPU`);
  return {
    bringUpS: up.totalS,
    linesPerS: (l1 - l0) / el,
    expectedLinesPerS: n * 10,
    daemonCpuPct: ((c1 - c0) / 1e9) / el * 100,
  };
}

/** Result of a flood case. */
export interface FloodCase {
  /** ns per polled status call. */
  latenciesNs: number[];
  /** Daemon CPU over the polling window, % of one core. */
  daemonCpuPct: number;
  /** Highest daemon RSS sampled (every 100 ms) from bring-up to the end of the window, MiB. */
  rssPeakMiB: number;
}

/**
 * Flood case: one agent of `kind` (`sleep` for the baseline); after
 * `settleMs`, status polled every `intervalMs` for `windowMs` on one
 * persistent connection, with the daemon's CPU and peak RSS meanwhile.
 */
export async function floodCase(
  sut: SystemUnderTest,
  kind: AgentKind,
  options: ScenarioTiming & { settleMs: number; windowMs: number; intervalMs: number },
): Promise<FloodCase> {
  await bringUp(sut, 1, kind, options);
  const pid = sut.daemonPid();
  let peak = memoryOf(pid).rssKib;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid).rssKib);
  }, 100);
  try {
    await sleep(options.settleMs);
    const c0 = cpuNs(pid);
    const t0 = performance.now();
    const latenciesNs = await sut.polledStatus(options.windowMs, options.intervalMs);
    const c1 = cpuNs(pid);
    const el = (performance.now() - t0) / 1000;
    if (c0 === null || c1 === null) throw new Error(`${sut.system}: cannot read the daemon's CPU`);
    peak = Math.max(peak, memoryOf(pid).rssKib);
    return { latenciesNs, daemonCpuPct: ((c1 - c0) / 1e9) / el * 100, rssPeakMiB: peak / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

/** Median of a list of seconds, rounded to ms. */
export function medianS(values: readonly number[]): number {
  return Math.round(median(values) * 1000) / 1000;
}
