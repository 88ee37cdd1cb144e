/**
 * The log lines of the agents one scheduling pass spawns (docs/operations.md):
 * each at info, or, when the pass spawns more than a few (boot, a freed batch
 * of worker slots), each at debug and one info line that sums them up.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AgentState } from "../agent/state.ts";

/** Spawns in one scheduling pass above which their lines become one summary line. */
const SUMMARY_ABOVE = 3;

/** Names listed in a summary line. */
const SUMMARY_NAMES = 5;

const log = getLogger(["orchestrator", "agents"]);

/** A state-change line. */
export interface StateLine extends Record<string, unknown> {
  agent: string;
  from: AgentState;
  to: AgentState;
  reason: string;
}

/** Collects the spawn lines of a scheduling pass and logs them when it ends. */
export class SpawnLines {
  /** Lines of the pass under way, or `null` outside one. */
  #lines: StateLine[] | null = null;

  /** Starts a pass. False when one is under way already (a nested pass adds to it). */
  open(): boolean {
    if (this.#lines !== null) return false;
    this.#lines = [];
    return true;
  }

  /** Keeps `line` for the end of the pass; false outside a pass (log it now). */
  keep(line: StateLine): boolean {
    if (this.#lines === null) return false;
    this.#lines.push(line);
    return true;
  }

  /** Ends the pass and logs its lines. */
  close(): void {
    const lines = this.#lines ?? [];
    this.#lines = null;
    if (lines.length <= SUMMARY_ABOVE) {
      for (const line of lines) log.info("Agent {agent}: {from} -> {to} ({reason})", line);
      return;
    }
    for (const line of lines) log.debug("Agent {agent}: {from} -> {to} ({reason})", line);
    const names = lines.slice(0, SUMMARY_NAMES).map((l) => l.agent).join(", ");
    log.info("Spawned {count} agents: {names}", {
      count: lines.length,
      names: lines.length > SUMMARY_NAMES ? `${names}, …` : names,
    });
  }
}
