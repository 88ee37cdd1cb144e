/**
 * The pure decisions of a state change: whether the move is allowed, the
 * event of entering a state and the log level of its line.
 *
 * @module
 */

import type { EventName } from "../events/event.ts";
import { OrchestratorError } from "../errors.ts";
import { type AgentState, canTransition, isLive } from "../agent/state.ts";

/** A state change of one agent. */
export interface Move {
  from: AgentState;
  to: AgentState;
}

/**
 * The guard of every state change: `null` when `move` is in the
 * `TRANSITIONS` table, else the 500 error the transition throws before it
 * writes or records anything (no command reaches such a move: each checks
 * the agent's state first and answers 409).
 *
 * @example
 * ```ts
 * checkMove("web", { from: "running", to: "stopped" })?.code; // 500: a stop goes through stopping
 * ```
 */
export function checkMove(agent: string, move: Move): OrchestratorError | null {
  if (canTransition(move.from, move.to)) return null;
  return new OrchestratorError(
    500,
    `Cannot move agent "${agent}" from "${move.from}" to "${move.to}": not allowed`,
    { agent, from: move.from, to: move.to },
  );
}

/** Event recorded when an agent enters a state (from any state but the listed exceptions). */
const ENTER_EVENTS: Partial<Record<AgentState, EventName>> = {
  starting: "AGENT_STARTED",
  running: "AGENT_STARTED",
  ready: "AGENT_READY",
  paused: "AGENT_PAUSED",
  stopped: "AGENT_STOPPED",
  completed: "AGENT_COMPLETED",
  failed: "AGENT_FAILED",
  backoff: "AGENT_RESTARTING",
  fatal: "AGENT_FATAL",
};

/**
 * The event of a move, or `undefined` when the move records none
 * (`stopped -> pending`, `… -> stopping`). Leaving `paused` for a live state
 * is `AGENT_RESUMED`.
 */
export function transitionEvent(from: AgentState, to: AgentState): EventName | undefined {
  if (from === "paused" && to !== "paused" && isLive(to) && to !== "stopping") {
    return "AGENT_RESUMED";
  }
  return ENTER_EVENTS[to];
}

/** Log level of a move's line: failures warn, moves without an event are debug. */
export function transitionLogLevel(event: EventName | undefined): "warn" | "info" | "debug" {
  if (event === "AGENT_FAILED" || event === "AGENT_FATAL") return "warn";
  return event === undefined ? "debug" : "info";
}
