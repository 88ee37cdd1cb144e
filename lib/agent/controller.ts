/**
 * The orchestrator's public API as the control plane and library users see it.
 * `Orchestrator` in `lib/orchestrator.ts` implements it; the control server
 * takes this interface and calls it as it is. It answers with plain data: the
 * wire format, and any cache of serialised answers, belong to the control
 * layer (lib/control/agents_answer.ts), which uses `version` and `now()` to
 * know when an answer it keeps is still true.
 *
 * Errors are `OrchestratorError`s: 404 unknown agent, 409 not possible in the
 * agent's state, 400 bad inputs, 503 shutting down.
 *
 * @module
 */

import type { OrchestratorConfig } from "../config/types.ts";
import type { EventSink } from "../events/event.ts";
import type { SignalName } from "../protocol/signals.ts";
import type {
  AgentActionStatus,
  AgentLogs,
  AgentSignalStatus,
  AgentStatus,
  AgentSummary,
  ReloadReport,
  Stats,
  UtcpResult,
} from "./info.ts";
import type { OutputObserver } from "./output_observer.ts";

/** Control over a running set of agents. */
export interface AgentController {
  /** The config the orchestrator runs with. */
  readonly config: OrchestratorConfig;
  /** Where events go; queries read from here too. */
  readonly events: EventSink;
  /** True once `shutdown()` has been called. */
  readonly shuttingDown: boolean;
  /**
   * A counter that grows with every change to what `list()`, `status()` and
   * `statusAll()` show: a transition, a heartbeat, a new process or exit, a
   * CPU and memory sample that changed a figure (once per sample).
   * The values that follow from the clock alone — `uptime_seconds`,
   * `restarts` (within the window) and a live agent's `last_heartbeat`, all
   * of millisecond resolution — change without it. So while `version` and
   * the millisecond of `now()` are the same, those queries answer the same.
   */
  readonly version: number;

  /** Milliseconds since the epoch on the controller's clock: the time queries show values at. */
  now(): number;
  /** Every agent, in config order (`ps`). */
  list(): AgentSummary[];
  /** One agent (`status <agent>`). 404 when unknown. */
  status(name: string): AgentStatus;
  /** Every agent's `status` record, in config order (`status` without a name). */
  statusAll(): AgentStatus[];
  /** Counts (`stats`). */
  stats(): Stats;
  /** Newest captured lines of each stream (`logs`). */
  logs(name: string, lines?: number): AgentLogs;
  /**
   * Tells `observer` of every output line of its agents from now on
   * (`subscribe`); returns the function that stops it.
   */
  observeOutput(observer: OutputObserver): () => void;

  /**
   * Starts a stopped/completed/failed/fatal agent; resolves once spawned.
   * An agent already live, queued or in backoff is left as it is
   * (`already: true`); 409 while it is stopping, or when `inputs` differ
   * from those it runs with.
   */
  start(name: string, inputs?: Record<string, unknown>): Promise<AgentActionStatus>;
  /**
   * Stops it (stop_signal, SIGKILL after stop_timeout); resolves once the
   * process is gone. Never restarted. An agent already stopped, completed,
   * failed or fatal is left as it is (`already: true`).
   */
  stop(name: string): Promise<AgentActionStatus>;
  /** stop then start. */
  restart(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus>;
  /** SIGSTOP to the process group. 409 unless live. */
  pause(name: string): Promise<AgentStatus>;
  /** SIGCONT to the process group. 409 unless paused. */
  resume(name: string): Promise<AgentStatus>;
  /** Sends `signal` to the agent's process group. 409 when it has no live process. */
  signal(name: string, signal: SignalName): AgentSignalStatus;
  /** Runs a task agent with call-time inputs and returns the UTCP result. 409 for services. */
  call(name: string, inputs?: Record<string, unknown>): Promise<UtcpResult>;

  /** Stops every agent in reverse dependency order, records ORCHESTRATOR_SHUTDOWN. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Reads the config file again and applies it (`reload`, SIGHUP;
 * docs/operations.md, "Changing the config"). Provided by `run`, which knows
 * the file; an orchestrator made without one has none, and `reload` then
 * answers 409.
 */
export interface Reloader {
  /**
   * Re-reads and validates the file, then applies the difference (or, with
   * `dryRun`, only answers it). Rejects with 400 and `data.results` when the
   * file has errors (nothing changed), 503 once shutdown began.
   */
  reload(options: { dryRun: boolean; trigger: string }): Promise<ReloadReport>;
}
