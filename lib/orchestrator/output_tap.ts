/**
 * Where the output readers hand lines to observers (lib/agent/output_observer.ts).
 * Knows, per agent, whether anybody listens, so a stream nobody observes is
 * only counted, never split into lines (see `LineScanner`).
 *
 * @module
 */

import type { OutputObserver, OutputStream } from "../agent/output_observer.ts";

/** The observers of every agent's output. */
export class OutputTap {
  /** Each observer with the agents it named when added (`null` = every agent). */
  #observers = new Map<OutputObserver, ReadonlySet<string> | null>();
  /** Observers of every agent. */
  #all = 0;
  /** Observers per agent name (of those naming agents). */
  #byAgent = new Map<string, number>();

  /** Adds an observer (its `agents` are read now); returns the function that removes it. */
  add(observer: OutputObserver): () => void {
    const remove = () => this.#remove(observer);
    if (this.#observers.has(observer)) return remove;
    const agents = observer.agents === null ? null : new Set(observer.agents);
    this.#observers.set(observer, agents);
    if (agents === null) this.#all++;
    else for (const name of agents) this.#count(name, 1);
    return remove;
  }

  /** True when some observer wants the lines of `agent`. */
  wants(agent: string): boolean {
    return this.#all > 0 || this.#byAgent.has(agent);
  }

  /** Hands one line to every observer of `agent` (one that throws is skipped). */
  emit(agent: string, stream: OutputStream, line: string): void {
    for (const [observer, agents] of this.#observers) {
      if (agents !== null && !agents.has(agent)) continue;
      try {
        observer.onLine(agent, stream, line);
      } catch {
        // an observer's failure never stops the reader
      }
    }
  }

  #remove(observer: OutputObserver): void {
    const agents = this.#observers.get(observer);
    if (agents === undefined) return;
    this.#observers.delete(observer);
    if (agents === null) this.#all--;
    else for (const name of agents) this.#count(name, -1);
  }

  #count(name: string, by: number): void {
    const n = (this.#byAgent.get(name) ?? 0) + by;
    if (n > 0) this.#byAgent.set(name, n);
    else this.#byAgent.delete(name);
  }
}
