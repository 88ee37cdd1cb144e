/**
 * The agent state machine (docs/operations.md, States): every state, the groups the
 * rest of the code asks about, and the only moves allowed between them.
 *
 * Meaning of the states (docs/operations.md has the full table):
 * - `pending`: queued, waiting for a worker slot or its dependencies.
 * - `starting`: spawned, its readiness probe has not passed yet.
 * - `running`: spawned, no readiness probe; counts as up.
 * - `ready`: spawned and its readiness probe passed; counts as up.
 * - `paused`: SIGSTOP sent to its process group.
 * - `stopping`: stop_signal sent, waiting for the process to exit.
 * - `stopped`: stopped on request (or never started); never restarted by itself.
 * - `completed`: exited with a success exit code and will not be restarted.
 * - `failed`: exited with a failure (or could not start) and will not be restarted.
 * - `backoff`: exited, waiting to be restarted.
 * - `fatal`: restarted too often within `restart_window`; given up.
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
 * Allowed transitions. `Supervisor#transition` (lib/orchestrator/supervisor.ts)
 * is the only writer of an agent's state and refuses any move not listed here.
 */
export const TRANSITIONS = {
  // pending -> starting|running: spawned (with / without a readiness probe)
  // pending -> failed: a dependency can no longer be satisfied, or the spawn failed
  // pending -> stopped: stopped while queued
  pending: ["starting", "running", "stopped", "failed"],
  // starting -> ready: the probe passed
  starting: ["ready", "paused", "stopping", "completed", "failed", "backoff", "fatal"],
  running: ["paused", "stopping", "completed", "failed", "backoff", "fatal"],
  ready: ["paused", "stopping", "completed", "failed", "backoff", "fatal"],
  // paused -> starting|running|ready: resumed (back to the state it was paused in; an agent
  // paused in starting whose probe passed meanwhile then moves on starting -> ready)
  paused: [
    "starting",
    "running",
    "ready",
    "stopping",
    "completed",
    "failed",
    "backoff",
    "fatal",
  ],
  stopping: ["stopped"],
  // stopped|completed|failed|fatal -> pending: started again (start, restart, call)
  stopped: ["pending"],
  completed: ["pending"],
  failed: ["pending"],
  // backoff -> starting|running: restarted when its delay is over
  // backoff -> pending: restart delay over but no worker slot free
  backoff: ["starting", "running", "pending", "stopped", "failed", "fatal"],
  fatal: ["pending"],
} as const satisfies Record<AgentState, readonly AgentState[]>;

/** States in which the agent has a live process. */
export const LIVE_STATES: readonly AgentState[] = [
  "starting",
  "running",
  "ready",
  "paused",
  "stopping",
];

/**
 * States in which an agent with a live process counts as up: spawned and,
 * when it has a readiness probe, past it. `status --wait` (docs/operations.md) also
 * counts a `completed` agent as up; that wider list is the CLI's own.
 */
export const UP_STATES: readonly AgentState[] = ["running", "ready"];

/**
 * States from which the agent will not move on its own: `start` and `call`
 * accept only these; `stop` of an agent in one answers "already stopped".
 */
export const SETTLED_STATES: readonly AgentState[] = ["stopped", "completed", "failed", "fatal"];

/**
 * States in which `start` does nothing and answers "already running"
 * (docs/protocol.md, `start`): live and not stopping, queued, or waiting to
 * restart. Only `stopping` is neither this nor settled.
 */
export const STARTED_STATES: readonly AgentState[] = [
  "pending",
  "starting",
  "running",
  "ready",
  "paused",
  "backoff",
];

/** True when `from -> to` is in the table. */
export function canTransition(from: AgentState, to: AgentState): boolean {
  return (TRANSITIONS[from] as readonly AgentState[]).includes(to);
}

/** True when the agent will not move on its own from `state` (see {@link SETTLED_STATES}). */
export function isSettled(state: AgentState): boolean {
  return SETTLED_STATES.includes(state);
}

/** True when `start` of an agent in `state` does nothing (see {@link STARTED_STATES}). */
export function isStarted(state: AgentState): boolean {
  return STARTED_STATES.includes(state);
}

/** True when the agent has a live process in `state`. */
export function isLive(state: AgentState): boolean {
  return LIVE_STATES.includes(state);
}
