/**
 * Subreaper mode: this process is a child subreaper
 * (`prctl(PR_SET_CHILD_SUBREAPER)`), so a process whose parent dies is
 * re-parented to it instead of to init — a double-forking daemon included.
 * Each agent's environment carries `ORCHESTRATOR_RUN_ID=<pid>.<scope>.<run>`;
 * descendants inherit it, so an adopted child names the agent run it came
 * from. A scan every 250 ms (and right after agents exit) finds adopted
 * children, records them (pid + start time: watchdog, adopted file, which
 * also lists the agents' own leaders for the next start), keeps
 * them while their run lives and kills them (with their descendants) once
 * it has ended. Deno does not reap processes it did not spawn: an adopted
 * child is reaped by `waitpid` on its own pid, never `waitpid(-1)`.
 *
 * One {@link Reaper} per isolate serves every orchestrator of it; each has a
 * {@link SubreaperScope} with a random key, so the run ids of orchestrators
 * in other isolates of the same process (`deno test --parallel`) are never
 * taken for ours. The subreaper flag belongs to the process and may be
 * relied on by another isolate, so it stays on until the process exits; a
 * real orchestrator exits right after its last scope closes.
 *
 * What it cannot see: a descendant that clears its environment before it
 * is orphaned carries no run id and is never killed (cgroup mode has no
 * such gap); if it exits it is reaped like any unknown zombie (`reaper.ts`).
 *
 * @module
 */

import { AdoptedFile } from "./adopted_file.ts";
import { openLibc } from "./libc.ts";
import { type AdoptionHooks, Reaper, type ReaperScope } from "./reaper.ts";
import { formatRunId, RUN_ID_VARIABLE } from "./run_id.ts";

export type { AdoptionHooks } from "./reaper.ts";

/** How long closing a scope waits for its killed processes to be reaped. */
const CLOSE_WAIT_MS = 2000;

let reaper: Reaper | null = null;

/** A random scope key, never 0. */
function scopeKey(): number {
  const [key] = crypto.getRandomValues(new Uint32Array(1));
  return key === 0 ? 1 : key;
}

/** Options of {@link SubreaperScope.open}. */
export interface SubreaperOptions {
  hooks: AdoptionHooks;
  /** Directory of the adopted file; `null` = keep no file. */
  fileDir: string | null;
  onError: (error: unknown) => void;
}

/** The share of one orchestrator in the process's subreaper. */
export class SubreaperScope implements ReaperScope {
  /** Random key of the scope (part of its run ids). */
  readonly id: number;
  readonly hooks: AdoptionHooks;
  /** Agent name → its current run. */
  readonly #runs = new Map<string, number>();
  /** Live run → pid of its process (0 until spawned). */
  readonly #live = new Map<number, number>();
  readonly #pids = new Set<number>();
  #nextRun = 1;
  #closed = false;

  private constructor(id: number, hooks: AdoptionHooks) {
    this.id = id;
    this.hooks = hooks;
  }

  /**
   * Makes this process a child subreaper (once) and opens a scope. Throws
   * when libc cannot be used (no FFI permission, not Linux).
   */
  static open(options: SubreaperOptions): SubreaperScope {
    if (reaper === null) {
      const libc = openLibc();
      let file: AdoptedFile | null = null;
      if (options.fileDir !== null) {
        try {
          file = AdoptedFile.open(options.fileDir);
        } catch (error) {
          options.onError(error);
        }
      }
      reaper = new Reaper(libc, file, options.onError);
    }
    const scope = new SubreaperScope(scopeKey(), options.hooks);
    reaper.add(scope);
    return scope;
  }

  /** Adopted processes not reaped yet. */
  get adopted(): number {
    return reaper?.countOf(this.id) ?? 0;
  }

  /** Starts a run of `name`: the variables to add to its environment. */
  envFor(name: string): Record<string, string> {
    const run = this.#nextRun++;
    const previous = this.#runs.get(name);
    if (previous !== undefined) this.#live.delete(previous);
    this.#runs.set(name, run);
    this.#live.set(run, 0);
    return { [RUN_ID_VARIABLE]: formatRunId({ pid: Deno.pid, scope: this.id, run }) };
  }

  /** The run of `name` was spawned as `pid` (Deno's child: never adopted or reaped here). */
  started(name: string, pid: number): void {
    const run = this.#runs.get(name);
    if (run === undefined) return;
    this.#live.set(run, pid);
    this.#pids.add(pid);
    reaper?.noteAgent(pid, true);
  }

  /** The run of `name` has ended: kills what it left behind (found now or later). */
  ended(name: string): void {
    const run = this.#runs.get(name);
    if (run === undefined || reaper === null) return;
    this.#runs.delete(name);
    const pid = this.#live.get(run) ?? 0;
    this.#pids.delete(pid);
    this.#live.delete(run);
    reaper.noteAgent(pid, false);
    reaper.killRun(this.id, run);
    reaper.scanSoon();
  }

  /** True while `run` lives. */
  isLive(run: number): boolean {
    return this.#live.has(run);
  }

  /** True for the pid of a live agent run. */
  isAgentPid(pid: number): boolean {
    return this.#pids.has(pid);
  }

  /**
   * Kills every process adopted for this scope, waits (bounded) until they
   * are reaped, and leaves the subreaper (the last scope stops its scans).
   */
  async close(): Promise<void> {
    const r = reaper;
    if (this.#closed || r === null) return;
    this.#closed = true;
    for (const pid of this.#pids) r.noteAgent(pid, false);
    this.#runs.clear();
    this.#live.clear();
    this.#pids.clear();
    const deadline = Date.now() + CLOSE_WAIT_MS;
    r.scan();
    r.killRun(this.id, null);
    while (r.countOf(this.id) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      r.scan();
      r.killRun(this.id, null);
    }
    r.remove(this);
  }
}
