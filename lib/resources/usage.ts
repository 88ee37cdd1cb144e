/**
 * CPU and memory of a group of processes, from `/proc` (docs/operations.md,
 * "CPU and memory of agents"): the pure parts. The fields of `/proc/PID/stat` summed per
 * agent, the machine's clock tick and page size from `/proc/self/auxv`, and
 * the CPU percentage between two samples. No I/O.
 *
 * @module
 */

import { statFields } from "../proc_stat.ts";

/** What a sample takes from one `/proc/PID/stat`. */
export interface ProcUsage {
  pid: number;
  /** Field 5: the process group. */
  pgid: number;
  /**
   * Clock ticks of CPU: utime + stime of the process itself, plus cutime +
   * cstime of the children it has waited for (so the short-lived commands a
   * shell loop runs count too).
   */
  ticks: number;
  /** Field 24: resident pages. */
  rssPages: number;
}

/**
 * Parses the text of `/proc/PID/stat` ({@linkcode statFields}; `null` when
 * it is not one).
 *
 * @example
 * ```ts
 * parseUsage("7 (sh) S 1 7 7 0 -1 0 0 0 0 0 30 10 5 5 20 0 1 0 99 1000 250 0");
 * // { pid: 7, pgid: 7, ticks: 50, rssPages: 250 }
 * ```
 */
export function parseUsage(text: string): ProcUsage | null {
  const f = statFields(text, 24);
  if (f === null) return null;
  const pid = Number(f[1]);
  const pgid = Number(f[5]);
  const ticks = Number(f[14]) + Number(f[15]) + Number(f[16]) + Number(f[17]);
  const rssPages = Number(f[24]);
  if (![pid, pgid, ticks, rssPages].every(Number.isSafeInteger)) return null;
  return { pid, pgid, ticks, rssPages: Math.max(0, rssPages) };
}

/** The units of `/proc` figures on this machine. */
export interface ProcUnits {
  /** Clock ticks per second (`AT_CLKTCK`, `getconf CLK_TCK`). */
  hz: number;
  /** Bytes per page (`AT_PAGESZ`). */
  pageSize: number;
}

/** Linux's usual units, used when `/proc/self/auxv` cannot be read. */
export const DEFAULT_UNITS: Readonly<ProcUnits> = { hz: 100, pageSize: 4096 };

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * The clock tick rate and page size from the bytes of `/proc/self/auxv`
 * (pairs of native 64-bit words: type, value), each falling back to
 * {@link DEFAULT_UNITS}.
 */
export function unitsFromAuxv(bytes: Uint8Array): ProcUnits {
  const units = { ...DEFAULT_UNITS };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 16 <= bytes.byteLength; at += 16) {
    const type = Number(view.getBigUint64(at, true));
    const value = Number(view.getBigUint64(at + 8, true));
    if (type === 0) break;
    if (type === AT_PAGESZ && value > 0) units.pageSize = value;
    if (type === AT_CLKTCK && value > 0) units.hz = value;
  }
  return units;
}

/** Totals of one agent in one sample. */
export interface GroupTotals {
  ticks: number;
  rssPages: number;
}

/** Where the CPU figure of an agent's run counts from: its ticks at a time. */
export interface CpuBaseline {
  /** The run's leader pid (a new run starts a new baseline). */
  pid: number;
  ticks: number;
  /** Milliseconds since the epoch. */
  at: number;
}

/** Shortest span (ms) a CPU percentage is computed over; shorter ones say nothing yet. */
export const MIN_CPU_SPAN_MS = 50;

/** One agent's figures after a sample, and the baseline for the next one. */
export interface UsageStep {
  /** Percent of one core since the last sample (1 decimal; above 100 on several cores). */
  cpuPercent: number | null;
  memoryBytes: number;
  baseline: CpuBaseline;
}

/**
 * The figures of a run whose leader is `pid`, started at `startedAt` (ms),
 * sampled at `now` with `totals`. Without a baseline of this run, CPU counts
 * from its start (a new process has used no CPU). The group's ticks may
 * shrink when a member exits unwaited-for: the figure is then 0 and the
 * baseline moves to the new total.
 *
 * @example
 * ```ts
 * const first = usageStep(undefined, { pid: 7, startedAt: 0, now: 2000 },
 *   { ticks: 100, rssPages: 10 }, { hz: 100, pageSize: 4096 });
 * first.cpuPercent; // 50 (1 s of CPU in 2 s)
 * ```
 */
export function usageStep(
  previous: CpuBaseline | undefined,
  run: { pid: number; startedAt: number; now: number },
  totals: GroupTotals,
  units: ProcUnits,
): UsageStep {
  const base = previous !== undefined && previous.pid === run.pid
    ? previous
    : { pid: run.pid, ticks: 0, at: run.startedAt };
  const memoryBytes = totals.rssPages * units.pageSize;
  const span = run.now - base.at;
  if (span < MIN_CPU_SPAN_MS) return { cpuPercent: null, memoryBytes, baseline: base };
  const used = Math.max(0, totals.ticks - base.ticks) / units.hz * 1000;
  return {
    cpuPercent: Math.round(used / span * 1000) / 10,
    memoryBytes,
    baseline: { pid: run.pid, ticks: totals.ticks, at: run.now },
  };
}
