/**
 * What a state change records: the event of entering a state and the log
 * level of its line. Pure.
 *
 * @module
 */

import type { EventName } from "../events/event.ts";
import { type AgentState, isLive } from "../agent/state.ts";

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
