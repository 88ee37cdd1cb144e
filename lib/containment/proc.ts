/**
 * Reading processes from `/proc`: the fields of `/proc/PID/stat` that
 * containment needs (parent, group, session, state, start time), a
 * process's children, and one variable of its environment. Pure parsers
 * plus thin synchronous readers that answer `null` when the process is gone.
 *
 * @module
 */

import { statFields } from "../proc_stat.ts";

/** What containment reads from `/proc/PID/stat`. */
export interface ProcStat {
  pid: number;
  /** Field 3: `R`, `S`, `D`, `Z` (zombie), `X`, `T` … */
  state: string;
  /** Field 4. */
  ppid: number;
  /** Field 5: process group. */
  pgid: number;
  /** Field 6: session. */
  sid: number;
  /** Field 22: start time in clock ticks since boot. With the pid it names a process exactly. */
  start: number;
}

/**
 * Parses the text of `/proc/PID/stat` ({@linkcode statFields}).
 *
 * @example
 * ```ts
 * parseStat("42 (a b) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 987 0 0");
 * // { pid: 42, state: "S", ppid: 1, pgid: 42, sid: 42, start: 987 }
 * ```
 */
export function parseStat(text: string): ProcStat | null {
  const f = statFields(text, 22);
  if (f === null) return null;
  const [pid, ppid, pgid, sid, start] = [f[1], f[4], f[5], f[6], f[22]].map(Number);
  if (![pid, ppid, pgid, sid, start].every(Number.isSafeInteger)) return null;
  return { pid, state: f[3], ppid, pgid, sid, start };
}

/** `/proc/PID/stat` of a live (or zombie) process, or `null` when it is gone. */
export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return null;
  }
}

/** True when `pid` still names the process that started at `start` (and is not a zombie). */
export function sameProcess(pid: number, start: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.start === start && stat.state !== "Z" && stat.state !== "X";
}

/** Start time of the calling process (clock ticks since boot). */
export function ownStartTime(): number {
  const stat = readStat(Deno.pid);
  if (stat === null) throw new Error(`Cannot read "/proc/${Deno.pid}/stat"`);
  return stat.start;
}

/**
 * The children of `pid`: the union of `/proc/PID/task/TID/children` over its
 * threads (a child belongs to the thread that forked it or adopted it).
 * Without that file (kernels built without CONFIG_PROC_CHILDREN), scans
 * every `/proc/N/stat` for parent `pid`. Empty when the process is gone.
 */
export function childrenOf(pid: number): number[] {
  const out = new Set<number>();
  let tasks: Iterable<Deno.DirEntry>;
  try {
    tasks = Deno.readDirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && task.name === String(pid)) {
        return childrenByScan(pid);
      }
      continue;
    }
    for (const word of text.split(" ")) {
      const child = Number(word);
      if (word !== "" && Number.isSafeInteger(child)) out.add(child);
    }
  }
  return [...out];
}

function childrenByScan(pid: number): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry.name)) continue;
    const stat = readStat(Number(entry.name));
    if (stat !== null && stat.ppid === pid) out.push(stat.pid);
  }
  return out;
}

/**
 * Every descendant of `pid` (children, their children …), breadth first,
 * at most `limit` of them.
 */
export function descendantsOf(pid: number, limit = 10_000): number[] {
  const out: number[] = [];
  const queue = [pid];
  const seen = new Set(queue);
  while (queue.length > 0 && out.length < limit) {
    for (const child of childrenOf(queue.shift()!)) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Most bytes of `/proc/PID/environ` read (the kernel's own limit on exec is about this). */
const ENVIRON_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Finds `name` in NUL-separated `KEY=value` bytes. Returns the value or
 * `null`.
 */
export function environValue(bytes: Uint8Array, name: string): string | null {
  const text = new TextDecoder().decode(bytes);
  const prefix = `${name}=`;
  for (const entry of text.split("\0")) {
    if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  }
  return null;
}

/**
 * One variable of the environment `pid` was started with (or set by
 * exec), or `null` when it is not there, the process is gone or a zombie,
 * or its environment cannot be read (another user's process).
 */
export function readEnvironValue(pid: number, name: string): string | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total < ENVIRON_MAX_BYTES) {
      const buf = new Uint8Array(64 * 1024);
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return environValue(all, name);
  } catch {
    return null;
  } finally {
    file.close();
  }
}

/** Sends SIGKILL to `target` (a pid, or `-pgid`); false when there is no such process. */
export function killQuietly(target: number): boolean {
  try {
    Deno.kill(target, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}
