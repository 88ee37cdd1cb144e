/**
 * One pass over `/proc` for the CPU and memory of every agent at once
 * (docs/operations.md, "CPU and memory of agents"): the processes of each agent's process
 * group (field 5 of `/proc/PID/stat`), or of its cgroup (`cgroup.procs`) in
 * cgroup containment. Thin I/O around the parsers of `usage.ts`; the reads
 * are synchronous but done in slices of at most {@link SLICE_MS}, with the
 * event loop free between them.
 *
 * @module
 */

import {
  DEFAULT_UNITS,
  type GroupTotals,
  parseUsage,
  type ProcUnits,
  type ProcUsage,
  unitsFromAuxv,
} from "./usage.ts";

/** Longest stretch of reads (ms) before the scan lets other work run. */
export const SLICE_MS = 2;

/** What to sample of one agent. */
export interface ScanTarget {
  /** The agent's name (the key of the result). */
  key: string;
  /** Its run's leader pid, which is also its process group. */
  pgid: number;
  /** Its cgroup directory in cgroup containment, else `null`. */
  cgroup: string | null;
}

let units: ProcUnits | null = null;

/** The clock tick rate and page size of this machine (read once). */
export function procUnits(): ProcUnits {
  if (units === null) {
    try {
      units = unitsFromAuxv(Deno.readFileSync("/proc/self/auxv"));
    } catch {
      units = { ...DEFAULT_UNITS };
    }
  }
  return units;
}

/** True when this machine has a `/proc` to sample (Linux). */
export function procAvailable(): boolean {
  try {
    return Deno.statSync("/proc/self/stat").isFile;
  } catch {
    return false;
  }
}

/** Lets other work run when this turn has lasted {@link SLICE_MS}. */
class Slicer {
  #since = performance.now();

  /** A pause to await when this turn has lasted long enough, else `null` (go on). */
  pause(): Promise<void> | null {
    if (performance.now() - this.#since < SLICE_MS) return null;
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      this.#since = performance.now();
    });
  }
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null; // the process (or cgroup) is gone
  }
}

function readUsage(pid: number | string): ProcUsage | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : parseUsage(text);
}

function accumulate(out: Map<string, GroupTotals>, key: string, usage: ProcUsage): void {
  const totals = out.get(key);
  if (totals === undefined) out.set(key, { ticks: usage.ticks, rssPages: usage.rssPages });
  else {
    totals.ticks += usage.ticks;
    totals.rssPages += usage.rssPages;
  }
}

/**
 * The CPU ticks and resident pages of each target's processes, summed. A
 * target whose processes are all gone is missing from the result. Costs one
 * read of `/proc/PID/stat` per process on the machine (process groups), or
 * per process of the cgroups.
 */
export async function scanTargets(
  targets: readonly ScanTarget[],
): Promise<Map<string, GroupTotals>> {
  const out = new Map<string, GroupTotals>();
  const slicer = new Slicer();
  const byGroup = new Map<number, string>();
  for (const target of targets) {
    const procs = target.cgroup === null ? null : readText(`${target.cgroup}/cgroup.procs`);
    if (procs === null) {
      byGroup.set(target.pgid, target.key);
      continue;
    }
    for (const word of procs.split("\n")) {
      const usage = word === "" ? null : readUsage(word);
      if (usage !== null) accumulate(out, target.key, usage);
      const pause = slicer.pause();
      if (pause !== null) await pause;
    }
  }
  if (byGroup.size === 0) return out;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return out;
  }
  for (const entry of entries) {
    const c = entry.name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    const usage = readUsage(entry.name);
    const key = usage === null ? undefined : byGroup.get(usage.pgid);
    if (usage !== null && key !== undefined) accumulate(out, key, usage);
    const pause = slicer.pause();
    if (pause !== null) await pause;
  }
  return out;
}
