/**
 * The orchestrator: owns the agents, their processes, worker slots,
 * dependencies, restarts and shutdown order (docs/operations.md). Implements
 * {@link AgentController}, the API the control plane calls; it answers with
 * plain data, and knows no wire format.
 *
 * This file is the command surface (queries, commands, boot, shutdown). The
 * state machine, its signals and the process handling live in
 * `orchestrator/supervisor.ts`, the decisions in pure functions
 * (`agent/restart.ts`, `agent/template.ts`, `orchestrator/graph.ts`,
 * `orchestrator/exit.ts`, `orchestrator/transition.ts`).
 *
 * @module
 */

import type { OrchestratorConfig } from "./config/types.ts";
import type { EventSink } from "./events/event.ts";
import { conflict, notFound, OrchestratorError } from "./errors.ts";
import type { AgentController } from "./agent/controller.ts";
import type { AgentLogs, AgentStatus, AgentSummary, Stats, UtcpResult } from "./agent/info.ts";
import { type AgentState, isSettled } from "./agent/state.ts";
import { checkInputs, inputsValidatorLoaded, loadInputsValidator } from "./agent/inputs.ts";
import { VERSION } from "./version.ts";
import { stopInOrder } from "./orchestrator/graph.ts";
import { type Agent, round3 } from "./orchestrator/agent.ts";
import { statusObject, summaryObject } from "./orchestrator/status_view.ts";
import { isoTime } from "./iso_time.ts";
import { capList, capText } from "./text_cap.ts";
import { type Clock, Supervisor } from "./orchestrator/supervisor.ts";
import { agentLogs } from "./orchestrator/logs_view.ts";

export type { Clock } from "./orchestrator/supervisor.ts";

/** Options of {@link Orchestrator}. */
export interface OrchestratorOptions {
  /** Where events go (an `EventStore`, or any `EventSink`). */
  events: EventSink;
  /** Defaults to `Date`. */
  clock?: Clock;
  /** Environment lookup for `${name}` substitution. Defaults to `Deno.env.get`. */
  env?: (name: string) => string | undefined;
  /** Start the no-orphan watchdog (default true). */
  watchdog?: boolean;
}

/**
 * Runs the agents of a config.
 *
 * @example
 * ```ts
 * const store = EventStore.open({ path: null, retention: 1000 });
 * const orchestrator = new Orchestrator(config, { events: store });
 * await orchestrator.boot();
 * orchestrator.list(); // [{ name: "web", state: "running", pid: 1234, … }]
 * await orchestrator.shutdown("done");
 * ```
 */
export class Orchestrator implements AgentController {
  /** The config the orchestrator runs with. */
  readonly config: OrchestratorConfig;
  /** Where events go. */
  readonly events: EventSink;
  readonly #clock: Clock;
  readonly #sup: Supervisor;
  readonly #agents: Agent[];
  readonly #useWatchdog: boolean;
  #startedAt = 0;
  #booted = false;
  #shutdown: Promise<void> | null = null;

  constructor(config: OrchestratorConfig, options: OrchestratorOptions) {
    this.config = config;
    this.events = options.events;
    this.#clock = options.clock ?? Date;
    this.#useWatchdog = options.watchdog ?? true;
    this.#sup = new Supervisor(config, {
      events: options.events,
      clock: this.#clock,
      env: options.env ?? ((name) => Deno.env.get(name)),
    });
    this.#agents = this.#sup.agents;
  }

  /** True once `shutdown()` has been called. */
  get shuttingDown(): boolean {
    return this.#shutdown !== null;
  }

  /** The watchdog's pid, or `null` without one. */
  get watchdogPid(): number | null {
    return this.#sup.watchdogPid;
  }

  /**
   * Grows with every change to what `list()` and `status()` show, except
   * the values that follow from the clock (see {@link AgentController.version}).
   */
  get version(): number {
    return this.#sup.version;
  }

  /** Milliseconds since the epoch on the orchestrator's clock (the time queries show values at). */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Records ORCHESTRATOR_STARTED, starts the watchdog and queues every
   * autostart agent (and the agents they depend on). Resolves once the first
   * wave is spawned; agents that wait for dependencies start later.
   * Rejects when the `containment` mode asked for is not available here.
   */
  boot(): Promise<void> {
    if (this.#booted) return Promise.resolve();
    this.#booted = true;
    this.#startedAt = this.#clock.now();
    this.#sup.activate(this.#useWatchdog);
    try {
      this.#sup.contain();
    } catch (error) {
      return Promise.reject(error);
    }
    this.events.append({
      event_name: "ORCHESTRATOR_STARTED",
      data: { pid: Deno.pid, version: VERSION, agents: this.#agents.length },
    });
    this.#sup.queueAtBoot();
    this.#sup.schedule();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- queries

  /** Every agent, in config order (`ps`). */
  list(): AgentSummary[] {
    const now = this.#clock.now();
    return this.#agents.map((a) => summaryObject(a, now));
  }

  /** One agent (`status <agent>`). 404 when unknown. */
  status(name: string): AgentStatus {
    return statusObject(this.#get(name), this.#clock.now());
  }

  /** Every agent's `status` record, in config order. */
  statusAll(): AgentStatus[] {
    const now = this.#clock.now();
    return this.#agents.map((a) => statusObject(a, now));
  }

  /** Counts (`stats`). */
  stats(): Stats {
    const states: Partial<Record<AgentState, number>> = {};
    for (const a of this.#agents) states[a.state] = (states[a.state] ?? 0) + 1;
    const now = this.#clock.now();
    const started = this.#startedAt === 0 ? now : this.#startedAt;
    return {
      total_agents: this.#agents.length,
      running: this.#sup.live,
      completed: states.completed ?? 0,
      max_workers: this.config.max_workers,
      uptime_seconds: round3((now - started) / 1000),
      states,
      pid: Deno.pid,
      started_at: isoTime(started),
      containment: this.#sup.containment,
    };
  }

  /** Newest captured lines of each stream (`logs`), default 100. */
  logs(name: string, lines = 100): AgentLogs {
    return agentLogs(this.#get(name), lines);
  }

  /**
   * Resolves with the agent's status once its state is one of `states`
   * (at once if it already is). Rejects with 504 after `timeoutMs`.
   */
  waitFor(name: string, states: readonly AgentState[], timeoutMs = 10_000): Promise<AgentStatus> {
    const agent = this.#get(name);
    if (states.includes(agent.state)) return Promise.resolve(this.status(name));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        agent.waiters = agent.waiters.filter((w) => w !== check);
        reject(
          new OrchestratorError(
            504,
            `Agent "${name}" did not reach ${states.map((s) => `"${s}"`).join(" or ")} ` +
              `within ${timeoutMs} ms: state is "${agent.state}"`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (states.includes(agent.state)) {
          clearTimeout(timer);
          resolve(this.status(name));
        } else {
          agent.waiters.push(check);
        }
      };
      agent.waiters.push(check);
    });
  }

  // --------------------------------------------------------------- commands

  /**
   * Starts a stopped/completed/failed/fatal agent (and its stopped
   * dependencies). Resolves once it is spawned, or queued (`pending`) when no
   * worker slot is free or its dependencies are not met yet. 409 when it is
   * already live, queued or in backoff; 400 when `inputs` do not match.
   */
  start(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus> {
    try {
      if (this.#validatorMissing(name, inputs)) {
        return loadInputsValidator().then(() => this.start(name, inputs));
      }
      this.#refuseWhenShuttingDown("start", name);
      const agent = this.#get(name);
      this.#requireSettled(agent, "start");
      this.#checkInputs(agent, inputs);
      this.#sup.queue(agent, inputs, "start requested");
      this.#sup.schedule();
      return Promise.resolve(this.status(name));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops an agent: stop_signal to its process group, SIGKILL after
   * stop_timeout. Resolves once the process is gone. A queued or backing-off
   * agent is stopped at once. Never restarted. 409 when already settled.
   */
  async stop(name: string): Promise<AgentStatus> {
    const agent = this.#get(name);
    if (isSettled(agent.state)) {
      throw conflict(`Cannot stop agent "${name}": state is "${agent.state}"`, {
        state: agent.state,
      });
    }
    await this.#sup.stop(agent, "stop requested");
    return this.status(name);
  }

  /** Stops the agent if it is live or queued, then starts it again. */
  async restart(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus> {
    if (this.#validatorMissing(name, inputs)) await loadInputsValidator();
    this.#refuseWhenShuttingDown("restart", name);
    const agent = this.#get(name);
    this.#checkInputs(agent, inputs);
    await this.#sup.stop(agent, "restart requested");
    this.#refuseWhenShuttingDown("restart", name);
    if (!isSettled(agent.state)) {
      throw conflict(`Cannot restart agent "${name}": state is "${agent.state}"`);
    }
    this.#sup.queue(agent, inputs, "restart requested");
    this.#sup.schedule();
    return this.status(name);
  }

  /** SIGSTOP to the process group. 409 unless starting, running or ready. */
  pause(name: string): Promise<AgentStatus> {
    try {
      this.#sup.pause(this.#get(name));
      return Promise.resolve(this.status(name));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * SIGCONT to the process group, back to the state it was paused in (ready
   * when paused in `starting` and its probe passed meanwhile). 409 unless paused.
   */
  resume(name: string): Promise<AgentStatus> {
    try {
      this.#sup.resume(this.#get(name));
      return Promise.resolve(this.status(name));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs a task with call-time inputs and resolves with the UTCP result of
   * that run (a later automatic restart is not waited for). 409 for a service
   * or a task that is already live, queued or in backoff; 400 when the inputs
   * do not match the schema or leave a `${name}` unresolved.
   */
  call(name: string, inputs?: Record<string, unknown>): Promise<UtcpResult> {
    try {
      if (this.#validatorMissing(name, inputs)) {
        return loadInputsValidator().then(() => this.call(name, inputs));
      }
      this.#refuseWhenShuttingDown("call", name);
      const agent = this.#get(name);
      if (agent.config.kind !== "task") {
        throw conflict(`Cannot call agent "${name}": it is a service, not a task`);
      }
      this.#requireSettled(agent, "call");
      this.#checkInputs(agent, inputs);
      const result = new Promise<UtcpResult>((resolve, reject) => {
        agent.callWaiters.push({ resolve, reject });
      });
      this.#sup.queue(agent, inputs, "call requested");
      this.#sup.schedule();
      return result;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops every agent, dependents before their dependencies and independent
   * agents in parallel, then records ORCHESTRATOR_SHUTDOWN and ends the
   * watchdog. Idempotent: later calls return the same promise.
   */
  shutdown(reason = "shutdown requested"): Promise<void> {
    this.#shutdown ??= this.#shutdownNow(reason);
    return this.#shutdown;
  }

  async #shutdownNow(reason: string): Promise<void> {
    const started = this.#clock.now();
    this.#sup.beginShutdown();
    // Queued and backing-off agents never start again.
    for (const agent of this.#agents) {
      if (agent.state === "pending" || agent.state === "backoff") {
        this.#sup.stop(agent, `shutdown: ${reason}`);
      }
    }
    await stopInOrder(
      this.#agents,
      (agent) => this.#sup.dependentsOf(agent),
      (agent) => this.#sup.stop(agent, `shutdown: ${reason}`),
    );
    for (const agent of this.#agents) {
      agent.outFile?.close();
      agent.errFile?.close();
    }
    this.events.append({
      event_name: "ORCHESTRATOR_SHUTDOWN",
      data: { reason, duration_ms: this.#clock.now() - started },
    });
    await this.#sup.closeWatchdog();
  }

  // ---------------------------------------------------------------- helpers

  #get(name: string): Agent {
    const agent = this.#sup.byName.get(name);
    if (agent === undefined) {
      throw notFound(`Unknown agent "${capText(name)}"`, { agent: capText(name) });
    }
    return agent;
  }

  #refuseWhenShuttingDown(command: string, name: string): void {
    if (this.shuttingDown) {
      throw new OrchestratorError(
        503,
        `Cannot ${command} agent "${capText(name)}": shutting down`,
      );
    }
  }

  #requireSettled(agent: Agent, command: string): void {
    if (!isSettled(agent.state)) {
      throw conflict(`Cannot ${command} agent "${agent.config.name}": state is "${agent.state}"`, {
        state: agent.state,
      });
    }
  }

  /** True when inputs for a known agent with a schema need ajv, which is not loaded yet. */
  #validatorMissing(name: string, inputs: Record<string, unknown> | undefined): boolean {
    if (inputs === undefined || inputsValidatorLoaded()) return false;
    const schema = this.#sup.byName.get(name)?.config.inputs;
    return schema !== undefined && schema !== null;
  }

  #checkInputs(agent: Agent, inputs: Record<string, unknown> | undefined): void {
    if (inputs === undefined) return;
    if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
      throw new OrchestratorError(
        400,
        `Invalid inputs for agent "${agent.config.name}": not an object`,
      );
    }
    const schema = agent.config.inputs;
    if (schema === null) return;
    const problems = checkInputs(schema, { ...agent.config.values, ...inputs });
    if (problems.length > 0) {
      throw new OrchestratorError(
        400,
        `Invalid inputs for agent "${agent.config.name}": ${capList(problems).join("; ")}`,
        { problems: capList(problems) },
      );
    }
  }
}
