/**
 * What the orchestrator tells the service manager about its agents
 * (docs/systemd.md, "Notifications"): when start-up is over (`READY=1`) and
 * a one-line summary (`STATUS=`). {@link bootSettled} and
 * {@link statusText} are pure; {@link ProgressReporter} decides when to
 * send, on an injected clock, and leaves sending to its caller.
 *
 * @module
 */

/** What the reporter needs of one agent. */
export interface AgentProgress {
  state: string;
  autostart: boolean;
}

/**
 * States that end start-up for an autostart agent: up (`ready`, `running`),
 * run to the end (`completed`) — the states `status --wait` waits for — or
 * never coming up by itself (`failed`, `fatal`, and `stopped`, which only a
 * command or the shutdown puts it in).
 */
export const BOOT_DONE_STATES: readonly string[] = [
  "ready",
  "running",
  "completed",
  "failed",
  "fatal",
  "stopped",
];

/** True once every autostart agent is in one of {@link BOOT_DONE_STATES}. */
export function bootSettled(agents: readonly AgentProgress[]): boolean {
  return agents.every((a) => !a.autostart || BOOT_DONE_STATES.includes(a.state));
}

/** The groups counted in the status line, in the order shown, with the states in each. */
const GROUPS: readonly [string, readonly string[]][] = [
  ["starting", ["pending", "starting", "backoff"]],
  ["paused", ["paused"]],
  ["stopping", ["stopping"]],
  ["completed", ["completed"]],
  ["failed", ["failed", "fatal"]],
  ["stopped", ["stopped"]],
];

/**
 * The `STATUS=` line: agents up first, then every other group that is not
 * empty.
 *
 * @example
 * ```ts
 * statusText([{ state: "ready", autostart: true }, { state: "fatal", autostart: true }]);
 * // "1 agent up, 1 failed"
 * ```
 */
export function statusText(agents: readonly AgentProgress[]): string {
  const up = agents.filter((a) => a.state === "running" || a.state === "ready").length;
  const parts = [`${up} ${up === 1 ? "agent" : "agents"} up`];
  for (const [name, states] of GROUPS) {
    const n = agents.filter((a) => states.includes(a.state)).length;
    if (n > 0) parts.push(`${n} ${name}`);
  }
  return parts.join(", ");
}

/** Least time between two `STATUS=` updates, in ms (`READY=1` is never held back). */
export const MIN_STATUS_INTERVAL_MS = 1000;

/** What {@link ProgressReporter.update} asks its caller to send. */
export type ProgressMessage =
  | { kind: "ready"; status: string }
  | { kind: "status"; status: string };

/**
 * Decides when to send `READY=1` (once, when start-up is over) and
 * `STATUS=` (when the line changed, at most every
 * {@link MIN_STATUS_INTERVAL_MS}; a change held back goes out at a later
 * update).
 *
 * @example
 * ```ts
 * const reporter = new ProgressReporter();
 * reporter.update(agents, performance.now()); // { kind: "ready", status: "2 agents up" } or …
 * ```
 */
export class ProgressReporter {
  #ready = false;
  #sent: string | null = null;
  #sentAt = -Infinity;
  #pending: string | null = null;

  /** True once `READY=1` was asked for. */
  get ready(): boolean {
    return this.#ready;
  }

  /** True when a changed status line waits for its turn. */
  get pending(): boolean {
    return this.#pending !== null;
  }

  /**
   * The message to send now for `agents` (null: nothing), at `now` ms.
   * Pass `agents` only when they may have changed; `null` re-checks a
   * held-back status line.
   */
  update(agents: readonly AgentProgress[] | null, now: number): ProgressMessage | null {
    if (agents !== null) {
      const text = statusText(agents);
      if (!this.#ready && bootSettled(agents)) {
        this.#ready = true;
        return this.#mark({ kind: "ready", status: text }, now);
      }
      this.#pending = text === this.#sent ? null : text;
    }
    if (this.#pending === null || now - this.#sentAt < MIN_STATUS_INTERVAL_MS) return null;
    return this.#mark({ kind: "status", status: this.#pending }, now);
  }

  #mark(message: ProgressMessage, now: number): ProgressMessage {
    this.#sent = message.status;
    this.#sentAt = now;
    this.#pending = null;
    return message;
  }
}
