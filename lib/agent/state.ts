/**
 * The agent state machine (SPEC §8, STYLE.md): every state, the groups the
 * rest of the code asks about, and the only moves allowed between them.
 *
 * @module
 */

/** Agent states. */
export const AGENT_STATES = [
  "pending",
  "starting",
  "running",
  "ready",
  "paused",
  "stopping",
  "stopped",
  "completed",
  "failed",
  "backoff",
  "fatal",
] as const;

/** An agent state. */
export type AgentState = typeof AGENT_STATES[number];

/**
 * Allowed transitions. `Orchestrator#transition` is the only writer of an
 * agent's state and refuses any move not listed here.
 */
export const TRANSITIONS = {
  // pending: waiting for a worker slot or its dependencies
  pending: ["starting", "stopped", "failed"],
  // starting: spawned, waiting for readiness
  starting: ["running", "ready", "completed", "failed", "backoff", "stopping", "paused"],
  running: ["ready", "completed", "failed", "backoff", "stopping", "paused"],
  ready: ["running", "completed", "failed", "backoff", "stopping", "paused"],
  paused: ["running", "ready", "starting", "stopping", "failed", "backoff", "completed"],
  stopping: ["stopped"],
  stopped: ["pending", "starting"],
  completed: ["pending", "starting"],
  failed: ["pending", "starting", "backoff", "fatal"],
  // backoff: waiting to restart after an exit
  backoff: ["starting", "pending", "stopped", "fatal"],
  fatal: ["pending", "starting"],
} as const satisfies Record<AgentState, readonly AgentState[]>;

/** States in which the agent has a live process. */
export const LIVE_STATES: readonly AgentState[] = [
  "starting",
  "running",
  "ready",
  "paused",
  "stopping",
];

/** States from which the agent will not move on its own. */
export const SETTLED_STATES: readonly AgentState[] = ["stopped", "completed", "failed", "fatal"];

/** True when `from -> to` is in the table. */
export function canTransition(from: AgentState, to: AgentState): boolean {
  return (TRANSITIONS[from] as readonly AgentState[]).includes(to);
}
