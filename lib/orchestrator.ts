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
import type { OutputObserver } from "./agent/output_observer.ts";
import type {
  AgentActionStatus,
  AgentLogs,
  AgentSignalStatus,
  AgentStatus,
  AgentSummary,
  ReloadReport,
  Stats,
  UtcpResult,
} from "./agent/info.ts";
import { type AgentState, isSettled, isStarted } from "./agent/state.ts";
import {
  checkInputs,
  inputsValidatorLoaded,
  loadInputsValidator,
  sameInputs,
} from "./agent/inputs.ts";
import type { SignalName } from "./protocol/signals.ts";
import { VERSION } from "./version.ts";
import { stopInOrder } from "./orchestrator/graph.ts";
import { type Agent, round3 } from "./orchestrator/agent.ts";
import { statusObject, summaryObject } from "./orchestrator/status_view.ts";
import { isoTime } from "./iso_time.ts";
import { capList, capText } from "./text_cap.ts";
import { type Clock, Supervisor } from "./orchestrator/supervisor.ts";
import { agentLogs } from "./orchestrator/logs_view.ts";
import {
  effectiveConfig,
  planReload,
  type ReloadPlan,
  toRestart,
} from "./orchestrator/reload_plan.ts";
import { applyReload } from "./orchestrator/reload.ts";
import { logFileDrops } from "./agent/logfile.ts";
import { type ForwardWriter, OutputForwarder } from "./orchestrator/forward.ts";
import { ResourceSampler } from "./orchestrator/resources.ts";
import { getLogger } from "@logtape/logtape";

export type { Clock } from "./orchestrator/supervisor.ts";

/** Options of {@link Orchestrator.reload}. */
export interface ReloadOptions {
  /** Answer the difference and change nothing. */
  dryRun?: boolean;
  /** The file the config was read from, for the answer and the event. */
  file?: string;
  /** What asked for the reload (`command`, `SIGHUP` …), for the event; default `api`. */
  trigger?: string;
}

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
  /** Where the lines of agents with `forward_output` are written. Defaults to `Deno.stdout`. */
  forwardTo?: ForwardWriter;
}

/** How long shutdown waits for forwarded lines to be written (ms). */
const FORWARD_CLOSE_MS = 2000;

const log = getLogger(["orchestrator", "output"]);

/**
 * The forwarder of agent output (`forward_output`). Made whether or not an
 * agent forwards now, since a reload may add one; it costs nothing idle.
 */
function forwarderFor(to: ForwardWriter): OutputForwarder {
  return new OutputForwarder(to, {
    onDropping: () =>
      log.warn("Dropping forwarded agent output: stdout is not keeping up (counted in stats)"),
    onError: (error) =>
      log.error("Cannot write forwarded agent output to stdout: {error}; forwarding stops", {
        error: String(error),
      }),
  });
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
  /** Where events go. */
  readonly events: EventSink;
  readonly #clock: Clock;
  readonly #sup: Supervisor;
  readonly #useWatchdog: boolean;
  readonly #forwarder: OutputForwarder;
  readonly #sampler: ResourceSampler;
  #startedAt = 0;
  #booted = false;
  #shutdown: Promise<void> | null = null;
  /** The reload being applied (or the last one), which the next waits for. */
  #reloading: Promise<unknown> = Promise.resolve();

  constructor(config: OrchestratorConfig, options: OrchestratorOptions) {
    this.events = options.events;
    this.#clock = options.clock ?? Date;
    this.#useWatchdog = options.watchdog ?? true;
    this.#forwarder = forwarderFor(options.forwardTo ?? Deno.stdout);
    const sup = new Supervisor(config, {
      events: options.events,
      clock: this.#clock,
      env: options.env ?? ((name) => Deno.env.get(name)),
      forwarder: this.#forwarder,
    });
    this.#sup = sup;
    this.#sampler = new ResourceSampler({
      agents: () => sup.agents,
      now: () => this.#clock.now(),
      cgroupOf: (name) => sup.cgroupOf(name),
      applyUsage: (usage) => sup.applyUsage(usage),
    }, config.resource_sample_interval * 1000);
  }

  /** The config the orchestrator runs with (the new one after a `reload`). */
  get config(): OrchestratorConfig {
    return this.#sup.config;
  }

  /** Every agent, in config order. */
  get #agents(): readonly Agent[] {
    return this.#sup.agents;
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
   * the values that follow from the clock (see {@link AgentController.version}):
   * the supervisor's transitions and heartbeats, plus every write a log file
   * dropped (`log_lost_bytes`).
   */
  get version(): number {
    return this.#sup.version + logFileDrops();
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
    this.#sampler.start();
    return Promise.resolve();
  }

  /** Takes a CPU and memory sample of every live agent now (they are sampled on a timer too). */
  sampleResources(): Promise<void> {
    return this.#sampler.sample();
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
    const sampled = this.config.resource_sample_interval > 0;
    let cpu = 0;
    let memory = 0;
    for (const a of this.#agents) {
      if (a.run === null) continue;
      cpu += a.cpuPercent ?? 0;
      memory += a.memoryBytes ?? 0;
    }
    const forwarded = this.#forwarder.counters;
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
      cpu_percent: sampled ? Math.round(cpu * 10) / 10 : null,
      memory_bytes: sampled ? memory : null,
      ...forwarded,
    };
  }

  /** Newest captured lines of each stream (`logs`), default 100. */
  logs(name: string, lines = 100): AgentLogs {
    return agentLogs(this.#get(name), lines);
  }

  /**
   * Tells `observer` of every output line of its agents from now on; returns
   * the function that stops it. Lines are split only while an observer wants
   * the agent (lib/agent/output_observer.ts).
   */
  observeOutput(observer: OutputObserver): () => void {
    return this.#sup.outputTap.add(observer);
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
   * worker slot is free or its dependencies are not met yet. An agent that
   * is already live, queued or in backoff is left as it is (`already:
   * true`), unless `inputs` differ from those it runs with (409); 409 while
   * it is stopping; 400 when `inputs` do not match.
   */
  start(name: string, inputs?: Record<string, unknown>): Promise<AgentActionStatus> {
    try {
      if (this.#validatorMissing(name, inputs)) {
        return loadInputsValidator().then(() => this.start(name, inputs));
      }
      this.#refuseWhenShuttingDown("start", name);
      const agent = this.#command(name, "start");
      this.#checkInputs(agent, inputs);
      if (isStarted(agent.state)) {
        if (inputs !== undefined && !sameInputs(inputs, agent.inputs)) {
          throw conflict(
            `Cannot start agent "${name}" with other inputs: state is "${agent.state}" ` +
              "(restart applies new inputs)",
            { state: agent.state },
          );
        }
        return Promise.resolve({ ...this.status(name), already: true });
      }
      this.#requireSettled(agent, "start");
      this.#sup.queue(agent, inputs, "start requested");
      this.#sup.schedule();
      return Promise.resolve({ ...this.status(name), already: false });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops an agent: stop_signal to its process group, SIGKILL after
   * stop_timeout. Resolves once the process is gone. A queued or backing-off
   * agent is stopped at once. Never restarted. An agent already stopped,
   * completed, failed or fatal is left as it is (`already: true`).
   */
  async stop(name: string): Promise<AgentActionStatus> {
    const agent = this.#command(name, "stop");
    if (isSettled(agent.state)) return { ...this.status(name), already: true };
    await this.#sup.stop(agent, "stop requested");
    return { ...this.status(name), already: false };
  }

  /** Sends `signal` to the agent's process group. 409 when it has no live process. */
  signal(name: string, signal: SignalName): AgentSignalStatus {
    this.#sup.signal(this.#command(name, "signal"), signal);
    return { ...this.status(name), signal };
  }

  /** Stops the agent if it is live or queued, then starts it again. */
  async restart(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus> {
    if (this.#validatorMissing(name, inputs)) await loadInputsValidator();
    this.#refuseWhenShuttingDown("restart", name);
    const agent = this.#command(name, "restart");
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
      this.#sup.pause(this.#command(name, "pause"));
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
      this.#sup.resume(this.#command(name, "resume"));
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
      const agent = this.#command(name, "call");
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
   * Runs with `config` from now on, changing only what differs
   * (docs/operations.md, "Changing the config"): removed agents are stopped
   * (reverse dependency order) and forgotten, changed agents with a process
   * are restarted, agents whose changes need no new process are updated in
   * place (same pid), added `autostart` agents start, unchanged agents are
   * left alone; orchestrator options in `LIVE_OPTIONS` apply, the others are
   * listed in `needs_restart` and keep their value. Records
   * CONFIG_RELOADED. Resolves with the difference once removed and restarted
   * agents are stopped and everything to start is queued. With `dryRun`,
   * resolves with the same difference at once and changes nothing. A reload
   * waits for the one being applied. 503 once shutdown began.
   */
  reload(config: OrchestratorConfig, options: ReloadOptions = {}): Promise<ReloadReport> {
    if (options.dryRun === true) {
      try {
        return Promise.resolve(this.#difference(planReload(this.config, config), options));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const applied = this.#reloading.then(() => this.#reloadNow(config, options));
    this.#reloading = applied.catch(() => {});
    return applied;
  }

  async #reloadNow(config: OrchestratorConfig, options: ReloadOptions): Promise<ReloadReport> {
    if (this.shuttingDown) throw new OrchestratorError(503, "Cannot reload: shutting down");
    const started = this.#clock.now();
    const plan = planReload(this.config, config);
    const report = this.#difference(plan, options);
    await applyReload(this.#sup, {
      config: effectiveConfig(this.config, config, plan.needs_restart),
      plan,
      restart: report.restarted,
    }, { booted: this.#booted });
    this.#sampler.setIntervalMs(this.config.resource_sample_interval * 1000);
    this.events.append({
      event_name: "CONFIG_RELOADED",
      data: {
        trigger: options.trigger ?? "api",
        ...report,
        duration_ms: this.#clock.now() - started,
      },
    });
    return report;
  }

  /** The report of `plan`: which changed agents are restarted follows from their states now. */
  #difference(plan: ReloadPlan, options: ReloadOptions): ReloadReport {
    const restarted = toRestart(plan, (name) => this.#sup.byName.get(name)?.state);
    return {
      file: options.file ?? null,
      dry_run: options.dryRun === true,
      added: plan.added,
      removed: plan.removed,
      changed: plan.changed,
      restarted,
      updated_in_place: plan.updated_in_place,
      unchanged: plan.unchanged,
      fields: plan.fields,
      options_applied: plan.options_applied,
      needs_restart: plan.needs_restart,
    };
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
    this.#sampler.stop();
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
    // Only a run that forwards (or did, before a reload) waits for its pipes' last lines.
    const config = this.config;
    if (
      config.agents.some((a) => a.forward_output ?? config.forward_output) ||
      this.#forwarder.counters.forwarded_lines > 0
    ) {
      await this.#sup.outputDrained(FORWARD_CLOSE_MS);
    }
    await this.#forwarder.close(FORWARD_CLOSE_MS);
  }

  // ---------------------------------------------------------------- helpers

  #get(name: string): Agent {
    const agent = this.#sup.byName.get(name);
    if (agent === undefined) {
      throw notFound(`Unknown agent "${capText(name)}"`, { agent: capText(name) });
    }
    return agent;
  }

  /** The agent a command acts on: 404 when unknown, 409 while a reload restarts or removes it. */
  #command(name: string, command: string): Agent {
    const agent = this.#get(name);
    const held = this.#sup.heldFor(agent);
    if (held !== undefined) {
      throw conflict(
        `Cannot ${command} agent "${name}": a reload is ${
          held === "remove" ? "removing" : "restarting"
        } it`,
        { state: agent.state },
      );
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
