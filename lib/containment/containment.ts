/**
 * Containment of agents' descendants (docs/operations.md, "Containment"):
 * picks the mode (`containment` option), prepares each spawn (cgroup to
 * join, variables to add), and kills what a run left behind when it ends.
 *
 * - `cgroup`: each agent in its own cgroup v2 under this orchestrator's
 *   (`cgroup.ts`); the end of a run kills the agent's cgroup.
 * - `subreaper`: the orchestrator adopts orphans and kills those of ended
 *   runs (`subreaper.ts`).
 * - `process-group`: only the agent's process group is signalled.
 *
 * `auto` takes the first that works here, in that order.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { ContainmentMode } from "../config/types.ts";
import { CgroupTree, removeLeftoverCgroups } from "./cgroup.ts";
import { ownCgroupDirectory } from "./cgroup_location.ts";
import { adoptedDirectory, killLeftoverAdopted } from "./adopted_file.ts";
import { type AdoptionHooks, SubreaperScope } from "./subreaper.ts";

/** The mode in force (what `stats` reports as `containment`). */
export type ContainmentKind = Exclude<ContainmentMode, "auto">;

/** Where containment lists what must die with the orchestrator (the watchdog). */
export interface ContainmentRegistry extends AdoptionHooks {
  /** The orchestrator's cgroup, to kill and remove if it dies. */
  addCgroup(dir: string): void;
}

/** How to spawn one agent run. */
export interface SpawnContainment {
  /** cgroup directory the process joins before it execs the program, or `null`. */
  cgroup: string | null;
  /** Variables added to the agent's environment. */
  env: Record<string, string>;
}

/** Options of {@link Containment.open}. */
export interface ContainmentOptions {
  /** The watchdog, or `null` without one. */
  registry: ContainmentRegistry | null;
  /** Environment lookup (`XDG_RUNTIME_DIR`). Defaults to `Deno.env.get`. */
  env?: (name: string) => string | undefined;
}

const NO_SPAWN_CHANGES: SpawnContainment = Object.freeze({ cgroup: null, env: Object.freeze({}) });

const log = getLogger(["orchestrator", "containment"]);

/** Containment of one orchestrator's agents. */
export class Containment {
  /** The mode in force. */
  readonly mode: ContainmentKind;
  /** Why `auto` fell back from a stronger mode (`null` when it did not). */
  readonly fallback: string | null;
  readonly #cgroups: CgroupTree | null;
  readonly #reaper: SubreaperScope | null;
  readonly #leftovers: Promise<unknown>;
  #closed = false;

  private constructor(
    mode: ContainmentKind,
    parts: {
      cgroups?: CgroupTree;
      reaper?: SubreaperScope;
      fallback?: string | null;
      leftovers?: Promise<unknown>;
    },
  ) {
    this.mode = mode;
    this.#cgroups = parts.cgroups ?? null;
    this.#reaper = parts.reaper ?? null;
    this.fallback = parts.fallback ?? null;
    this.#leftovers = parts.leftovers ?? Promise.resolve();
  }

  /** No containment beyond process groups, and no clean-up of leftovers (before boot). */
  static none(): Containment {
    return new Containment("process-group", {});
  }

  /**
   * Sets containment up in the requested mode, after killing what dead
   * orchestrators left behind (their cgroups in our cgroup, their adopted
   * files). Throws when a mode that was asked for by name is not available
   * here; `auto` falls back instead (the reason is in `fallback`).
   */
  static open(requested: ContainmentMode, options: ContainmentOptions): Containment {
    const env = options.env ?? ((name: string) => Deno.env.get(name));
    const fileDir = adoptedDirectory(env);
    const killed = killLeftoverAdopted(fileDir);
    if (killed.length > 0) {
      log.warn("Killed {count} processes adopted by a dead orchestrator: {pids}", {
        count: killed.length,
        pids: killed.map((r) => r.pid).join(", "),
      });
    }
    const location = ownCgroupDirectory();
    const leftovers = location.ok
      ? removeLeftoverCgroups(location.dir).then((dirs) => {
        if (dirs.length > 0) {
          log.warn("Killed and removed the cgroups of dead orchestrators: {dirs}", {
            dirs: dirs.join(", "),
          });
        }
      })
      : Promise.resolve();
    const reasons: string[] = [];
    if (requested === "auto" || requested === "cgroup") {
      let why: string;
      if (!location.ok) why = location.reason;
      else if (location.readOnly) why = `"${location.dir}" is on a read-only mount`;
      else {
        try {
          const cgroups = CgroupTree.create(location.dir);
          options.registry?.addCgroup(cgroups.dir);
          return new Containment("cgroup", { cgroups, leftovers, fallback: null });
        } catch (error) {
          why = `cannot create a cgroup in "${location.dir}": ${(error as Error).message}`;
        }
      }
      if (requested === "cgroup") {
        throw new Error(`Cannot contain agents in cgroups: ${why}`);
      }
      reasons.push(`no writable cgroup v2 subtree (${why})`);
    }
    if (requested === "auto" || requested === "subreaper") {
      try {
        const reaper = SubreaperScope.open({
          hooks: options.registry ?? { adopt() {}, release() {} },
          fileDir,
          onError: (error) => {
            log.error("Subreaper: {error}", { error: String(error) });
          },
        });
        return new Containment("subreaper", {
          reaper,
          leftovers,
          fallback: reasons.length === 0 ? null : reasons.join("; "),
        });
      } catch (error) {
        if (requested === "subreaper") {
          throw new Error(`Cannot become a child subreaper: ${(error as Error).message}`);
        }
        reasons.push(`no child subreaper (${(error as Error).message})`);
      }
    }
    return new Containment("process-group", {
      leftovers,
      fallback: reasons.length === 0 ? null : reasons.join("; "),
    });
  }

  /** Processes adopted and not reaped yet (subreaper mode; 0 otherwise). */
  get adopted(): number {
    return this.#reaper?.adopted ?? 0;
  }

  /** How to spawn the next run of agent `name`. Throws when its cgroup cannot be created. */
  forSpawn(name: string): SpawnContainment {
    if (this.#cgroups !== null) {
      try {
        return { cgroup: this.#cgroups.agentDir(name), env: {} };
      } catch (error) {
        throw new Error(`Cannot create the cgroup of agent "${name}": ${(error as Error).message}`);
      }
    }
    if (this.#reaper !== null) return { cgroup: null, env: this.#reaper.envFor(name) };
    return NO_SPAWN_CHANGES;
  }

  /** The cgroup directory of agent `name` in cgroup mode (once it has one), else `null`. */
  cgroupOf(name: string): string | null {
    return this.#cgroups?.dirOf(name) ?? null;
  }

  /** The run of `name` was spawned as `pid`. */
  started(name: string, pid: number): void {
    this.#reaper?.started(name, pid);
  }

  /** The run of `name` has ended (its leader was reaped): kills whatever it left. */
  ended(name: string): void {
    this.#cgroups?.kill(name);
    this.#reaper?.ended(name);
  }

  /** Kills what is left, removes the cgroups, closes the subreaper scope. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#leftovers;
    if (this.#cgroups !== null && !(await this.#cgroups.close())) {
      log.warn("Cannot remove the cgroup {dir}: processes are still in it", {
        dir: this.#cgroups.dir,
      });
    }
    await this.#reaper?.close();
  }
}
