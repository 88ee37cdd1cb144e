/**
 * The dependency graph (`depends_on`, docs/operations.md), as pure functions: start
 * order, stop order, and whether a dependency condition is met, can still be
 * met, or never will be.
 *
 * @module
 */

import type { DependencyCondition } from "../config/types.ts";
import type { AgentState } from "../agent/state.ts";

/** The part of an agent the graph needs. */
export interface GraphNode {
  name: string;
  depends_on: Record<string, DependencyCondition>;
}

/**
 * Names in dependency order: every agent after the agents it depends on,
 * otherwise in config order. Unknown dependencies are ignored; agents in a
 * cycle (the validator refuses those) come last, in config order.
 *
 * @example
 * ```ts
 * startOrder([{ name: "web", depends_on: { db: "ready" } }, { name: "db", depends_on: {} }]);
 * // ["db", "web"]
 * ```
 */
export function startOrder(nodes: readonly GraphNode[]): string[] {
  const known = new Set(nodes.map((n) => n.name));
  const out: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const cyclic: string[] = [];
  const visit = (node: GraphNode): boolean => {
    const s = state.get(node.name);
    if (s === "done") return true;
    if (s === "visiting") return false;
    state.set(node.name, "visiting");
    let ok = true;
    for (const dep of Object.keys(node.depends_on)) {
      const d = byName.get(dep);
      if (d !== undefined && known.has(dep) && !visit(d)) ok = false;
    }
    state.set(node.name, "done");
    if (ok) out.push(node.name);
    else cyclic.push(node.name);
    return ok;
  };
  for (const node of nodes) visit(node);
  return [...out, ...nodes.map((n) => n.name).filter((n) => cyclic.includes(n))];
}

/** Names in stop order: dependents before the agents they depend on. */
export function stopOrder(nodes: readonly GraphNode[]): string[] {
  return startOrder(nodes).reverse();
}

/** For each agent, the agents that depend on it, in config order. */
export function dependentsOf(nodes: readonly GraphNode[]): Map<string, string[]> {
  const map = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const node of nodes) {
    for (const dep of Object.keys(node.depends_on)) map.get(dep)?.push(node.name);
  }
  return map;
}

/** Whether a dependency condition is met now, may be met later, or never will be. */
export type DependencyStatus = "satisfied" | "waiting" | "impossible";

/**
 * Evaluates `condition` against the dependency's state.
 * - `started`: spawned (starting, running, ready, paused) or finished (completed, failed).
 * - `ready`: up (running without a probe, ready with one) or completed.
 * - `completed`: exited and settled, successfully or not (completed, failed).
 * - `completed_successfully`: completed.
 * `pending`, `backoff` and live states that are not yet enough wait; `stopped`,
 * `fatal` and (for every condition but `started`/`completed`) `failed` can never
 * satisfy it until someone starts the dependency again. `ran` tells whether
 * the dependency spawned a process since it was last queued: one that failed
 * before spawning (e.g. its own dependency is fatal) satisfies nothing.
 */
export function dependencyStatus(
  condition: DependencyCondition,
  state: AgentState,
  ran = true,
): DependencyStatus {
  if (state === "fatal" || state === "stopped" || state === "stopping") return "impossible";
  if (state === "failed" && !ran) return "impossible";
  switch (condition) {
    case "started":
      return state === "pending" || state === "backoff" ? "waiting" : "satisfied";
    case "ready":
      if (state === "running" || state === "ready" || state === "completed") return "satisfied";
      return state === "failed" ? "impossible" : "waiting";
    case "completed":
      return state === "completed" || state === "failed" ? "satisfied" : "waiting";
    case "completed_successfully":
      if (state === "completed") return "satisfied";
      return state === "failed" ? "impossible" : "waiting";
  }
}

/** What an agent's dependency conditions say now, all together. */
export interface DependencyCheck {
  status: DependencyStatus;
  reason: string;
}

/** The state of a dependency as {@link dependencyCheck} needs it. */
export interface DependencyState {
  state: AgentState;
  /** Spawned a process since it was last queued (see {@link dependencyStatus}). */
  ran: boolean;
}

/**
 * Whether every condition of `dependsOn` is met (`satisfied`), may still be
 * met (`waiting`, naming the first dependency waited for), or one never will
 * be (`impossible`, naming it). `lookup` finds a dependency by name.
 *
 * @example
 * ```ts
 * dependencyCheck({ db: "ready" }, () => ({ state: "fatal", ran: true }));
 * // { status: "impossible", reason: 'dependency "db" is fatal' }
 * ```
 */
export function dependencyCheck(
  dependsOn: Record<string, DependencyCondition>,
  lookup: (name: string) => DependencyState | undefined,
): DependencyCheck {
  let waiting = "";
  for (const [name, condition] of Object.entries(dependsOn)) {
    const dep = lookup(name);
    if (dep === undefined) {
      return { status: "impossible", reason: `dependency "${name}" does not exist` };
    }
    const s = dependencyStatus(condition, dep.state, dep.ran);
    if (s === "impossible") {
      return { status: "impossible", reason: `dependency "${name}" is ${dep.state}` };
    }
    if (s === "waiting" && waiting === "") waiting = name;
  }
  return waiting === ""
    ? { status: "satisfied", reason: "" }
    : { status: "waiting", reason: `waiting for dependency "${waiting}"` };
}

/**
 * Stops `items` in reverse dependency order with as much parallelism as the
 * order allows: each item's `stop` starts once the `stop`s of all its
 * dependents have finished; items without dependents start at once.
 * Dependents in a cycle are not waited for (no deadlock).
 */
export async function stopInOrder<T>(
  items: readonly T[],
  dependents: (item: T) => readonly T[],
  stop: (item: T) => Promise<void>,
): Promise<void> {
  const started = new Map<T, Promise<void>>();
  const visiting = new Set<T>();
  const stopTree = (item: T): Promise<void> => {
    const known = started.get(item);
    if (known !== undefined) return known;
    if (visiting.has(item)) return Promise.resolve();
    visiting.add(item);
    const before = dependents(item).map(stopTree);
    const p = Promise.all(before).then(() => stop(item));
    started.set(item, p);
    visiting.delete(item);
    return p;
  };
  await Promise.all(items.map(stopTree));
}
