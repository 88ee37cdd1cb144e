/**
 * The scanner behind subreaper mode (see `subreaper.ts`): finds the
 * children this process adopted, tells by their run id which orchestrator
 * scope and run they belong to, records them (pid + start time: the
 * scope's hooks, i.e. the watchdog, and the adopted file), kills those whose
 * run has ended with their descendants, and reaps the dead by `waitpid` on
 * each pid — never `waitpid(-1)`, which would take the exit statuses of
 * Deno's own children away from Deno.
 *
 * @module
 */

import type { AdoptedFile, ProcessRecord } from "./adopted_file.ts";
import type { Libc } from "./libc.ts";
import { childrenOf, descendantsOf, readEnvironValue, readStat } from "./proc.ts";
import { parseRunId, RUN_ID_VARIABLE } from "./run_id.ts";

/** Period of the scan for adopted children. */
const SCAN_MS = 250;

/**
 * A zombie child that is no agent and carries no run id is reaped once it
 * has been seen this many scans and this long: Deno reaps its own children
 * at once, so only an adopted process stays a zombie that long.
 */
const STRANGER_SCANS = 3;
const STRANGER_MS = 500;

/** Where adopted processes are reported (the watchdog). */
export interface AdoptionHooks {
  /** An adopted process to kill if the orchestrator dies. */
  adopt(pid: number, start: number): void;
  /** A process that is gone. */
  release(pid: number): void;
}

/** What the reaper needs of an orchestrator's scope. */
export interface ReaperScope {
  /** Random key (part of its run ids). */
  readonly id: number;
  readonly hooks: AdoptionHooks;
  /** True while `run` lives. */
  isLive(run: number): boolean;
  /** True for the pid of a live agent run (Deno's own child). */
  isAgentPid(pid: number): boolean;
}

interface Adopted extends ProcessRecord {
  scope: number;
  run: number;
}

/** The subreaper of this isolate: scans, adopts, kills and reaps for every scope. */
export class Reaper {
  readonly #libc: Libc;
  readonly #file: AdoptedFile | null;
  readonly #onError: (error: unknown) => void;
  readonly #scopes = new Map<number, ReaperScope>();
  /** Keys of closed scopes: a late orphan of theirs is killed at once. */
  readonly #closed = new Set<number>();
  readonly #adopted = new Map<number, Adopted>();
  /** Agent leaders (pid → start time), for the adopted file. */
  readonly #agents = new Map<number, number>();
  /** Live children without a run id of ours, already looked at. */
  readonly #strangers = new Set<number>();
  /** Unknown zombie children: scans seen and first time seen. */
  readonly #zombies = new Map<number, { scans: number; since: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #soon: ReturnType<typeof setTimeout> | undefined;
  /** The adopted list changed: the file is rewritten at once. */
  #fileDirty = false;
  /** Only the agents list changed: the file is rewritten at the next periodic scan. */
  #agentsDirty = false;

  constructor(libc: Libc, file: AdoptedFile | null, onError: (error: unknown) => void) {
    this.#libc = libc;
    this.#file = file;
    this.#onError = onError;
    libc.setChildSubreaper(true);
  }

  /** Adds a scope; the first one starts the scans. */
  add(scope: ReaperScope): void {
    this.#scopes.set(scope.id, scope);
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.scan();
      this.#flush(true);
    }, SCAN_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** Removes a scope; the last one stops the scans and removes the adopted file. */
  remove(scope: ReaperScope): void {
    this.#scopes.delete(scope.id);
    this.#closed.add(scope.id);
    if (this.#scopes.size > 0) return;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    this.#timer = undefined;
    this.#soon = undefined;
    this.#file?.remove();
  }

  /** Adopted processes of `scope` not reaped yet. */
  countOf(scope: number): number {
    let n = 0;
    for (const a of this.#adopted.values()) if (a.scope === scope) n++;
    return n;
  }

  /** Scans once the current burst of exits has been handled (one scan for many exits). */
  scanSoon(): void {
    if (this.#soon !== undefined || this.#scopes.size === 0) return;
    this.#soon = setTimeout(() => this.scan(), 0);
  }

  /** Finds newly adopted children, kills those whose run has ended, reaps the dead. */
  scan(): void {
    clearTimeout(this.#soon);
    this.#soon = undefined;
    const children = childrenOf(Deno.pid);
    const present = new Set(children);
    for (const pid of this.#strangers) if (!present.has(pid)) this.#strangers.delete(pid);
    for (const pid of this.#zombies.keys()) if (!present.has(pid)) this.#zombies.delete(pid);
    const ownSid = readStat(Deno.pid)?.sid ?? -1;
    for (const pid of children) {
      if (this.#adopted.has(pid) || this.#isAgent(pid)) continue;
      const stat = readStat(pid);
      if (stat === null || stat.ppid !== Deno.pid) continue;
      if (stat.state === "Z") {
        if (stat.sid !== ownSid) this.#strangerZombie(pid);
        continue;
      }
      if (this.#strangers.has(pid)) continue;
      const id = parseRunId(readEnvironValue(pid, RUN_ID_VARIABLE));
      if (id === null || id.pid !== Deno.pid) {
        this.#strangers.add(pid);
        continue;
      }
      const scope = this.#scopes.get(id.scope);
      if (scope === undefined && !this.#closed.has(id.scope)) {
        this.#strangers.add(pid);
        continue;
      }
      this.#record({ pid, start: stat.start, scope: id.scope, run: id.run });
      if (scope === undefined || !scope.isLive(id.run)) this.#killTree(pid, id.scope, id.run);
    }
    this.#reapAdopted();
    this.#flush();
  }

  /**
   * Lists an agent leader in the adopted file (written at the next periodic
   * scan, so a bulk start or stop writes it once).
   */
  noteAgent(pid: number, live: boolean): void {
    const stat = live ? readStat(pid) : null;
    if (stat !== null) this.#agents.set(pid, stat.start);
    else if (!this.#agents.delete(pid)) return;
    this.#agentsDirty = true;
  }

  /** Kills every adopted process of one run of a scope (every run when `run` is null). */
  killRun(scope: number, run: number | null): void {
    for (const a of [...this.#adopted.values()]) {
      if (a.scope === scope && (run === null || a.run === run)) this.#killTree(a.pid, scope, a.run);
    }
    this.#flush();
  }

  #isAgent(pid: number): boolean {
    for (const scope of this.#scopes.values()) if (scope.isAgentPid(pid)) return true;
    return false;
  }

  #strangerZombie(pid: number): void {
    const now = Date.now();
    const seen = this.#zombies.get(pid) ?? { scans: 0, since: now };
    seen.scans++;
    this.#zombies.set(pid, seen);
    if (seen.scans >= STRANGER_SCANS && now - seen.since >= STRANGER_MS) {
      this.#libc.reap(pid);
      this.#zombies.delete(pid);
    }
  }

  /** SIGKILLs `pid` and its descendants; records the descendants so their zombies get reaped. */
  #killTree(pid: number, scope: number, run: number): void {
    const tree = [pid, ...descendantsOf(pid)];
    for (const p of tree) {
      if (p !== pid && !this.#adopted.has(p)) {
        const stat = readStat(p);
        if (stat !== null) this.#record({ pid: p, start: stat.start, scope, run });
      }
      try {
        Deno.kill(p, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
  }

  #record(a: Adopted): void {
    this.#adopted.set(a.pid, a);
    this.#fileDirty = true;
    this.#scopes.get(a.scope)?.hooks.adopt(a.pid, a.start);
  }

  /** Reaps adopted zombies of ours; forgets adopted processes that are gone. */
  #reapAdopted(): void {
    for (const a of [...this.#adopted.values()]) {
      const stat = readStat(a.pid);
      let gone = stat === null || stat.start !== a.start;
      if (!gone && stat!.state === "Z" && stat!.ppid === Deno.pid) {
        gone = this.#libc.reap(a.pid) !== "running";
      }
      if (!gone) continue;
      this.#adopted.delete(a.pid);
      this.#fileDirty = true;
      this.#scopes.get(a.scope)?.hooks.release(a.pid);
    }
  }

  /** Rewrites the adopted file when the adopted list changed (or, with `periodic`, the agents list). */
  #flush(periodic = false): void {
    if (!this.#fileDirty && !(periodic && this.#agentsDirty)) return;
    this.#fileDirty = false;
    this.#agentsDirty = false;
    if (this.#file === null) return;
    try {
      this.#file.write({
        adopted: [...this.#adopted.values()].map((a) => ({ pid: a.pid, start: a.start })),
        agents: [...this.#agents].map(([pid, start]) => ({ pid, start })),
      });
    } catch (error) {
      this.#onError(error);
    }
  }
}
