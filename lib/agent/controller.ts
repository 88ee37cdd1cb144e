/**
 * The orchestrator's public API as the control plane and library users see it
 * (issue 3). `Orchestrator` in `lib/orchestrator.ts` implements it; the
 * control server takes this interface and calls it as it is.
 *
 * Errors are `OrchestratorError`s: 404 unknown agent, 409 not possible in the
 * agent's state, 400 bad inputs, 503 shutting down.
 *
 * @module
 */

import type { OrchestratorConfig } from "../config/types.ts";
import type { EventSink } from "../events/event.ts";
import type { JsonText } from "../control/json_text.ts";
import type { AgentLogs, AgentStatus, AgentSummary, Stats, UtcpResult } from "./info.ts";

/** Control over a running set of agents. */
export interface AgentController {
  /** The config the orchestrator runs with. */
  readonly config: OrchestratorConfig;
  /** Where events go; queries read from here too. */
  readonly events: EventSink;
  /** True once `shutdown()` has been called. */
  readonly shuttingDown: boolean;

  /** Every agent, in config order (`ps`). */
  list(): AgentSummary[];
  /** One agent (`status <agent>`). 404 when unknown. */
  status(name: string): AgentStatus;
  /** `JSON.stringify({ agents: list() })`: the `ps` answer's data as text. */
  listJson(): JsonText;
  /**
   * `JSON.stringify(status(name))`, or without a name `JSON.stringify({ agents: [every status] })`:
   * the `status` answer's data as text. 404 when the named agent is unknown.
   */
  statusJson(name?: string): JsonText;
  /** Counts (`stats`). */
  stats(): Stats;
  /** Newest captured lines of each stream (`logs`). */
  logs(name: string, lines?: number): AgentLogs;

  /** Starts a stopped/completed/failed/fatal agent; resolves once spawned. 409 when already live. */
  start(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus>;
  /** Stops it (stop_signal, SIGKILL after stop_timeout); resolves once the process is gone. Never restarted. */
  stop(name: string): Promise<AgentStatus>;
  /** stop then start. */
  restart(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus>;
  /** SIGSTOP to the process group. 409 unless live. */
  pause(name: string): Promise<AgentStatus>;
  /** SIGCONT to the process group. 409 unless paused. */
  resume(name: string): Promise<AgentStatus>;
  /** Runs a task agent with call-time inputs and returns the UTCP result. 409 for services. */
  call(name: string, inputs?: Record<string, unknown>): Promise<UtcpResult>;

  /** Stops every agent in reverse dependency order, records ORCHESTRATOR_SHUTDOWN. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}
