/**
 * cgroup v2 containment: one cgroup per orchestrator under its own cgroup
 * (`orchestrator-<pid>-<start>`, a second instance in the same process adds
 * `-<n>`), one per agent inside it (`agent-<name>`). A process in a cgroup
 * cannot leave it by forking, `setsid` or double forks, so writing `1` to
 * `cgroup.kill` kills everything an agent started. The pid and start time
 * in the name let the next orchestrator tell a leftover whose owner is dead
 * from one whose owner runs, even when the pid was reused.
 *
 * @module
 */

import { ownStartTime, readStat } from "./proc.ts";

/** Prefix of an orchestrator's cgroup. */
const OWNER_PREFIX = "orchestrator-";
const OWNER_NAME = /^orchestrator-([0-9]+)-([0-9]+)(?:-[0-9]+)?$/;

/** Longest agent part of a cgroup name (a name is at most 255 bytes). */
const AGENT_NAME_MAX = 200;

/** How long removing a killed cgroup may wait for its processes to be gone. */
const REMOVE_TIMEOUT_MS = 3000;
const REMOVE_RETRY_MS = 20;

let instances = 0;

/** Most instance numbers tried by {@link createOwnDir}. */
const INSTANCES_MAX = 1000;

/**
 * Creates this orchestrator's cgroup in `parent`, with the next instance
 * number of this process. Orchestrators in other workers of the same
 * process (each with a counter of its own) may hold some numbers: those are
 * skipped.
 */
function createOwnDir(parent: string): string {
  const start = ownStartTime();
  for (let tries = 0;; tries++) {
    const dir = `${parent}/${ownerCgroupName(Deno.pid, start, ++instances)}`;
    try {
      Deno.mkdirSync(dir);
      return dir;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists) || tries >= INSTANCES_MAX) throw error;
    }
  }
}

/**
 * The name of an orchestrator's cgroup.
 *
 * @example
 * ```ts
 * ownerCgroupName(1234, 987654, 1); // "orchestrator-1234-987654"
 * ownerCgroupName(1234, 987654, 2); // "orchestrator-1234-987654-2"
 * ```
 */
export function ownerCgroupName(pid: number, start: number, instance: number): string {
  return `${OWNER_PREFIX}${pid}-${start}${instance > 1 ? `-${instance}` : ""}`;
}

/** The owner (pid and start time) named by an orchestrator cgroup's name, or `null`. */
export function parseOwnerCgroupName(name: string): { pid: number; start: number } | null {
  const m = OWNER_NAME.exec(name);
  if (m === null) return null;
  const pid = Number(m[1]);
  const start = Number(m[2]);
  return Number.isSafeInteger(pid) && Number.isSafeInteger(start) ? { pid, start } : null;
}

/**
 * The cgroup directory name of an agent: `agent-<name>` with anything
 * outside `[A-Za-z0-9_.-]` replaced by `_`, cut to a safe length.
 */
export function agentCgroupName(name: string): string {
  return `agent-${name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, AGENT_NAME_MAX)}`;
}

/** True when the process named by `owner` still runs. */
function ownerAlive(owner: { pid: number; start: number }): boolean {
  const stat = readStat(owner.pid);
  return stat !== null && stat.start === owner.start && stat.state !== "Z";
}

/**
 * Kills every process in the cgroup at `dir` and its descendants: writes
 * `1` to `cgroup.kill` (Linux 5.14+), else SIGKILLs each pid listed in the
 * `cgroup.procs` of the tree. Never throws.
 */
export function killCgroup(dir: string): void {
  try {
    Deno.writeTextFileSync(`${dir}/cgroup.kill`, "1");
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return;
  }
  for (const cg of [dir, ...subCgroups(dir)]) {
    let procs = "";
    try {
      procs = Deno.readTextFileSync(`${cg}/cgroup.procs`);
    } catch {
      continue;
    }
    for (const line of procs.split("\n")) {
      const pid = Number(line);
      if (line === "" || !Number.isSafeInteger(pid) || pid <= 1) continue;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
  }
}

/** The child cgroups of `dir`, deepest first. */
function subCgroups(dir: string): string[] {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory) continue;
    out.push(...subCgroups(`${dir}/${e.name}`), `${dir}/${e.name}`);
  }
  return out;
}

/**
 * Removes the cgroup at `dir` and the cgroups below it, retrying while
 * they still hold processes (a killed process leaves its cgroup a moment
 * later), at most `timeoutMs`. Resolves true when `dir` is gone.
 */
export async function removeCgroup(dir: string, timeoutMs = REMOVE_TIMEOUT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    let busy = false;
    for (const cg of [...subCgroups(dir), dir]) {
      try {
        Deno.removeSync(cg);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) busy = true;
      }
    }
    if (!busy) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, REMOVE_RETRY_MS));
  }
}

/**
 * Kills and removes the orchestrator cgroups in `parent` whose owner is
 * dead (a SIGKILLed orchestrator whose watchdog could not clean up).
 * Resolves with the directories it removed.
 */
export async function removeLeftoverCgroups(parent: string): Promise<string[]> {
  const dead: string[] = [];
  try {
    for (const entry of Deno.readDirSync(parent)) {
      if (!entry.isDirectory || !entry.name.startsWith(OWNER_PREFIX)) continue;
      const owner = parseOwnerCgroupName(entry.name);
      if (owner !== null && !ownerAlive(owner)) dead.push(`${parent}/${entry.name}`);
    }
  } catch {
    return [];
  }
  for (const dir of dead) killCgroup(dir);
  const removed = await Promise.all(dead.map((dir) => removeCgroup(dir)));
  return dead.filter((_, i) => removed[i]);
}

/**
 * Removes an emptied cgroup, retrying for up to ~200 ms: right after its last
 * process exits, `rmdir` may still fail with EBUSY for a moment (seen under
 * load).
 */
function removeSoon(dir: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0;; attempt++) {
    try {
      Deno.removeSync(dir);
      return;
    } catch (error) {
      if (attempt >= 20 || error instanceof Deno.errors.NotFound) throw error;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** The cgroups of one orchestrator: its own, and one per agent inside it. */
export class CgroupTree {
  /** The orchestrator's cgroup. */
  readonly dir: string;
  readonly #agents = new Map<string, string>();
  readonly #used = new Set<string>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Creates this orchestrator's cgroup in `parent` and checks that a child
   * process can move itself into a cgroup below it (as agents will). Throws
   * when either fails (read-only mount, no permission, no delegation: no
   * writable cgroup v2 subtree).
   */
  static create(parent: string): CgroupTree {
    const dir = createOwnDir(parent);
    const probe = `${dir}/probe`;
    try {
      Deno.mkdirSync(probe);
      const out = new Deno.Command("/bin/sh", {
        args: ["-c", 'echo $$ > "$1/cgroup.procs"', "sh", probe],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).outputSync();
      if (!out.success) {
        const why = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? "";
        throw new Error(`cannot move a process into "${probe}": ${why || `exit ${out.code}`}`);
      }
      removeSoon(probe);
    } catch (error) {
      for (const cg of [probe, dir]) {
        try {
          Deno.removeSync(cg);
        } catch {
          // Not created, or already gone.
        }
      }
      throw error;
    }
    return new CgroupTree(dir);
  }

  /** The agent's cgroup (created when missing). Throws when it cannot be created. */
  agentDir(name: string): string {
    let dir = this.#agents.get(name);
    if (dir === undefined) {
      const base = `${this.dir}/${agentCgroupName(name)}`;
      dir = base;
      for (let n = 2; this.#used.has(dir); n++) dir = `${base}-${n}`;
      this.#agents.set(name, dir);
      this.#used.add(dir);
    }
    try {
      Deno.mkdirSync(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    return dir;
  }

  /** The agent's cgroup, or `null` before its first start. */
  dirOf(name: string): string | null {
    return this.#agents.get(name) ?? null;
  }

  /** Kills every process in the agent's cgroup. */
  kill(name: string): void {
    const dir = this.#agents.get(name);
    if (dir !== undefined) killCgroup(dir);
  }

  /** Kills what is left in every agent's cgroup and removes them all. Resolves true when removed. */
  close(): Promise<boolean> {
    killCgroup(this.dir);
    return removeCgroup(this.dir);
  }
}
