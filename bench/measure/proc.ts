/**
 * Reading `/proc`: process liveness, trees, memory (VmRSS, PSS) and CPU time
 * (schedstat). Parsers are pure and take file text; the readers are thin.
 *
 * @module
 */

/** The fields of `/proc/PID/stat` the bench uses. */
export interface ProcStat {
  pid: number;
  comm: string;
  /** One-letter state: R, S, D, Z, X, … */
  state: string;
  ppid: number;
  /** User + system CPU in clock ticks. */
  ticks: number;
}

/** Parses `/proc/PID/stat` text; `null` if malformed. `comm` may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  if (!Number.isInteger(pid) || rest.length < 13) return null;
  const ppid = Number(rest[1]);
  const ticks = Number(rest[11]) + Number(rest[12]);
  if (!Number.isFinite(ppid) || !Number.isFinite(ticks)) return null;
  return { pid, comm: text.slice(open + 1, close), state: rest[0], ppid, ticks };
}

/** The value in KiB of `key:` in a `/proc` status-like file (`VmRSS:  1234 kB`); 0 if absent. */
export function parseKib(text: string, key: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith(key + ":")) {
      const value = Number(line.slice(key.length + 1).trim().split(/\s+/)[0]);
      return Number.isFinite(value) ? value : 0;
    }
  }
  return 0;
}

/** CPU nanoseconds from `/proc/PID/task/TID/schedstat` text (first field); `null` if malformed. */
export function parseSchedstat(text: string): number | null {
  const value = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(value) && text.trim() !== "" ? value : null;
}

/** Every descendant of `root` in a pid → stat map (children first found, depth-first). */
export function descendantsOf(root: number, procs: ReadonlyMap<number, ProcStat>): number[] {
  const children = new Map<number, number[]>();
  for (const st of procs.values()) {
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>([root]);
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** `/proc/PID/stat` of one process, or `null` when it is gone. */
export function readStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : parseStat(text);
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== null && st.state !== "Z" && st.state !== "X";
}

/** Every process on the machine. */
export function allProcs(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const st = readStat(Number(entry.name));
    if (st !== null) out.set(st.pid, st);
  }
  return out;
}

/** Every live descendant of `root`. */
export function descendants(root: number): number[] {
  return descendantsOf(root, allProcs());
}

/** Resident memory of one process. */
export interface Memory {
  rssKib: number;
  pssKib: number;
}

/** VmRSS and PSS (smaps_rollup) of `pid`; zeros when it is gone. */
export function memoryOf(pid: number): Memory {
  return {
    rssKib: parseKib(readText(`/proc/${pid}/status`) ?? "", "VmRSS"),
    pssKib: parseKib(readText(`/proc/${pid}/smaps_rollup`) ?? "", "Pss"),
  };
}

/** CPU time in ns of every thread of `pid` (schedstat); `null` when it is gone. */
export function cpuNs(pid: number): number | null {
  let total = 0;
  let any = false;
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const ns = parseSchedstat(readText(`/proc/${pid}/task/${task.name}/schedstat`) ?? "");
      if (ns !== null) {
        total += ns;
        any = true;
      }
    }
  } catch {
    return null;
  }
  return any ? total : null;
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signalPid(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Waits until none of `pids` is alive, polling every `intervalMs`; returns the
 * ones still alive at `timeoutMs`.
 */
export async function waitGone(
  pids: readonly number[],
  options: { timeoutMs: number; intervalMs?: number },
): Promise<number[]> {
  const deadline = performance.now() + options.timeoutMs;
  let left = pids.filter(isAlive);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 20));
    left = left.filter(isAlive);
  }
  return left;
}

/**
 * Last resort after a teardown: SIGKILL by pid whatever of `pids` (processes
 * this bench started, directly or through a daemon) is still alive. Returns
 * how many had to be killed.
 */
export async function killLeftovers(pids: readonly number[]): Promise<number> {
  const left = pids.filter(isAlive);
  for (const pid of left) signalPid(pid, "SIGKILL");
  if (left.length > 0) await waitGone(left, { timeoutMs: 5000 });
  return left.length;
}
