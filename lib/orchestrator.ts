/**
 * The orchestrator: owns the agents, their processes, worker slots,
 * dependencies, restarts and shutdown order (SPEC §3, §8). Implements
 * {@link AgentController}, the API the control plane calls.
 *
 * Every state change goes through `#transition`, which checks the move
 * against `TRANSITIONS`, records the event and wakes waiters. Decisions are
 * pure functions (`restart.ts`, `template.ts`, `orchestrator/graph.ts`); this
 * file is the I/O shell around them.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { OrchestratorConfig } from "./config/types.ts";
import type { EventName, EventSink } from "./events/event.ts";
import { conflict, notFound, OrchestratorError } from "./errors.ts";
import type { AgentController } from "./agent/controller.ts";
import type { AgentLogs, AgentStatus, AgentSummary, Stats, UtcpResult } from "./agent/info.ts";
import { type AgentState, canTransition, isLive } from "./agent/state.ts";
import { decideRestart, type ExitInfo } from "./agent/restart.ts";
import { resolveTemplate } from "./agent/template.ts";
import { checkInputs } from "./agent/inputs.ts";
import { type AgentProcess, signalGroup, spawnProcess } from "./agent/process.ts";
import { execProbe, tcpProbe } from "./agent/readiness.ts";
import { Watchdog } from "./agent/watchdog.ts";
import { VERSION } from "./version.ts";
import { dependencyStatus, dependentsOf, startOrder, stopInOrder } from "./orchestrator/graph.ts";
import {
  type Agent,
  describeExit,
  heartbeat,
  iso,
  isSettled,
  newAgent,
  round3,
  type Run,
  runResult,
  summarize,
} from "./orchestrator/agent.ts";
import { startCapture } from "./orchestrator/capture.ts";

/** A clock, injectable for tests. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
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
}

/** Signal options for a live, unreaped agent process (see `signalGroup`). */
const LEADER = { leader: true } as const;

/** How long output pipes may stay open after the process group was killed. */
const PIPE_DRAIN_MS = 500;

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

const log = getLogger(["orchestrator", "agents"]);

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
  readonly #env: (name: string) => string | undefined;
  readonly #agents: Agent[];
  readonly #byName: Map<string, Agent>;
  /** Agents in dependency order (the scheduling order). */
  readonly #order: Agent[];
  readonly #dependents: Map<string, Agent[]>;
  readonly #useWatchdog: boolean;
  #watchdog: Watchdog | null = null;
  #live = 0;
  #startedAt = 0;
  #booted = false;
  #shutdown: Promise<void> | null = null;
  #scheduleQueued = false;

  constructor(config: OrchestratorConfig, options: OrchestratorOptions) {
    this.config = config;
    this.events = options.events;
    this.#clock = options.clock ?? Date;
    this.#env = options.env ?? ((name) => Deno.env.get(name));
    this.#useWatchdog = options.watchdog ?? true;
    this.#agents = config.agents.map((c, index) => newAgent(c, index));
    this.#byName = new Map(this.#agents.map((a) => [a.config.name, a]));
    this.#order = startOrder(config.agents).map((n) => this.#byName.get(n)!);
    const dependents = dependentsOf(config.agents);
    this.#dependents = new Map(
      [...dependents].map(([name, list]) => [name, list.map((n) => this.#byName.get(n)!)]),
    );
  }

  /** True once `shutdown()` has been called. */
  get shuttingDown(): boolean {
    return this.#shutdown !== null;
  }

  /** The watchdog's pid, or `null` without one. */
  get watchdogPid(): number | null {
    return this.#watchdog?.pid ?? null;
  }

  /**
   * Records ORCHESTRATOR_STARTED, starts the watchdog and queues every
   * autostart agent (and the agents they depend on). Resolves once the first
   * wave is spawned; agents that wait for dependencies start later.
   */
  boot(): Promise<void> {
    if (this.#booted) return Promise.resolve();
    this.#booted = true;
    this.#startedAt = this.#clock.now();
    if (this.#useWatchdog) {
      try {
        this.#watchdog = Watchdog.start((error) =>
          log.error("Cannot update the watchdog registry: {error}", { error: String(error) })
        );
      } catch (error) {
        log.error(
          "Cannot start the no-orphan watchdog (awk): {error}; agents may outlive a killed orchestrator",
          { error: String(error) },
        );
      }
    }
    this.events.append({
      event_name: "ORCHESTRATOR_STARTED",
      data: { pid: Deno.pid, version: VERSION, agents: this.#agents.length },
    });
    const wanted = new Set<Agent>();
    const want = (agent: Agent) => {
      if (wanted.has(agent)) return;
      wanted.add(agent);
      for (const dep of Object.keys(agent.config.depends_on)) {
        const d = this.#byName.get(dep);
        if (d !== undefined) want(d);
      }
    };
    for (const agent of this.#agents) if (agent.config.autostart) want(agent);
    for (const agent of this.#order) {
      if (wanted.has(agent)) this.#transition(agent, "pending", "queued at boot");
    }
    this.#schedule();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- queries

  /** Every agent, in config order (`ps`). */
  list(): AgentSummary[] {
    const now = this.#clock.now();
    return this.#agents.map((a) => summarize(a, now));
  }

  /** One agent (`status <agent>`). 404 when unknown. */
  status(name: string): AgentStatus {
    const agent = this.#get(name);
    const now = this.#clock.now();
    const beat = heartbeat(agent, now);
    return {
      ...summarize(agent, now),
      agent_name: agent.config.name,
      description: agent.config.description,
      last_heartbeat: beat === null ? null : iso(beat),
      started_at: agent.startedAt === null ? null : iso(agent.startedAt),
      last_exit_code: agent.lastExit?.code ?? null,
      last_signal: agent.lastExit?.signal ?? null,
      reason: agent.reason,
      autostart: agent.config.autostart,
      depends_on: { ...agent.config.depends_on },
      next_start_at: agent.state === "backoff" && agent.nextStartAt !== null
        ? iso(agent.nextStartAt)
        : null,
    };
  }

  /** Counts (`stats`). */
  stats(): Stats {
    const states: Partial<Record<AgentState, number>> = {};
    for (const a of this.#agents) states[a.state] = (states[a.state] ?? 0) + 1;
    const now = this.#clock.now();
    const started = this.#startedAt === 0 ? now : this.#startedAt;
    return {
      total_agents: this.#agents.length,
      running: this.#live,
      completed: states.completed ?? 0,
      max_workers: this.config.max_workers,
      uptime_seconds: round3((now - started) / 1000),
      states,
      pid: Deno.pid,
      started_at: iso(started),
    };
  }

  /** Newest captured lines of each stream (`logs`), default 100. */
  logs(name: string, lines = 100): AgentLogs {
    const agent = this.#get(name);
    const n = Number.isFinite(lines) ? Math.max(0, Math.floor(lines)) : 100;
    return {
      agent_name: agent.config.name,
      stdout: agent.out?.tail(n) ?? [],
      stderr: agent.err?.tail(n) ?? [],
      truncated: (agent.out?.truncated ?? false) || (agent.err?.truncated ?? false),
    };
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
      this.#refuseWhenShuttingDown("start", name);
      const agent = this.#get(name);
      this.#requireSettled(agent, "start");
      this.#checkInputs(agent, inputs);
      this.#queue(agent, inputs, "start requested");
      this.#schedule();
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
    if (
      agent.state === "stopped" || agent.state === "completed" || agent.state === "failed" ||
      agent.state === "fatal"
    ) {
      throw conflict(`Cannot stop agent "${name}": state is "${agent.state}"`, {
        state: agent.state,
      });
    }
    await this.#stopAgent(agent, "stop requested");
    return this.status(name);
  }

  /** Stops the agent if it is live or queued, then starts it again. */
  async restart(name: string, inputs?: Record<string, unknown>): Promise<AgentStatus> {
    this.#refuseWhenShuttingDown("restart", name);
    const agent = this.#get(name);
    this.#checkInputs(agent, inputs);
    await this.#stopAgent(agent, "restart requested");
    this.#refuseWhenShuttingDown("restart", name);
    if (agent.state !== "stopped" && !isSettled(agent.state)) {
      throw conflict(`Cannot restart agent "${name}": state is "${agent.state}"`);
    }
    this.#queue(agent, inputs, "restart requested");
    this.#schedule();
    return this.status(name);
  }

  /** SIGSTOP to the process group. 409 unless starting, running or ready. */
  pause(name: string): Promise<AgentStatus> {
    try {
      const agent = this.#get(name);
      const from = agent.state;
      if ((from !== "starting" && from !== "running" && from !== "ready") || agent.run === null) {
        throw conflict(`Cannot pause agent "${name}": state is "${from}"`, { state: from });
      }
      signalGroup(agent.run.proc.pid, "SIGSTOP", LEADER);
      agent.lastHeartbeat = heartbeat(agent, this.#clock.now());
      agent.pausedFrom = from;
      // starting|running|ready -> paused: SIGSTOP sent to the group
      this.#transition(agent, "paused", "pause requested");
      return Promise.resolve(this.status(name));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** SIGCONT to the process group. 409 unless paused. */
  resume(name: string): Promise<AgentStatus> {
    try {
      const agent = this.#get(name);
      if (agent.state !== "paused" || agent.run === null) {
        throw conflict(`Cannot resume agent "${name}": state is "${agent.state}"`, {
          state: agent.state,
        });
      }
      signalGroup(agent.run.proc.pid, "SIGCONT", LEADER);
      const to = agent.pausedFrom ?? "running";
      agent.pausedFrom = null;
      // paused -> starting|running|ready: SIGCONT sent, back where it was paused
      this.#transition(agent, to, "resume requested");
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
      this.#queue(agent, inputs, "call requested");
      this.#schedule();
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
    // Queued and backing-off agents never start again.
    for (const agent of this.#agents) {
      if (agent.state === "pending" || agent.state === "backoff") {
        this.#stopAgent(agent, `shutdown: ${reason}`);
      }
    }
    await stopInOrder(
      this.#agents,
      (agent) => this.#dependents.get(agent.config.name) ?? [],
      (agent) => this.#stopAgent(agent, `shutdown: ${reason}`),
    );
    for (const agent of this.#agents) {
      agent.outFile?.close();
      agent.errFile?.close();
    }
    this.events.append({
      event_name: "ORCHESTRATOR_SHUTDOWN",
      data: { reason, duration_ms: this.#clock.now() - started },
    });
    await this.#watchdog?.close();
    this.#watchdog = null;
  }

  // ------------------------------------------------------------ the machine

  /**
   * The only writer of an agent's state: checks the move against
   * `TRANSITIONS`, records the event, wakes waiters and dependents.
   */
  #transition(
    agent: Agent,
    to: AgentState,
    reason: string,
    data: Record<string, unknown> = {},
  ): void {
    const from = agent.state;
    if (!canTransition(from, to)) {
      throw new OrchestratorError(
        500,
        `Cannot move agent "${agent.config.name}" from "${from}" to "${to}": not allowed`,
      );
    }
    agent.state = to;
    agent.reason = reason;
    const event = from === "paused" && to !== "paused" && isLive(to) && to !== "stopping"
      ? "AGENT_RESUMED"
      : ENTER_EVENTS[to];
    if (event !== undefined) {
      this.events.append({
        event_name: event,
        agent_name: agent.config.name,
        data: { from, to, reason, ...data },
      });
    }
    const level = event === "AGENT_FAILED" || event === "AGENT_FATAL"
      ? "warn"
      : event === undefined
      ? "debug"
      : "info";
    log[level]("Agent {agent}: {from} -> {to} ({reason})", {
      agent: agent.config.name,
      from,
      to,
      reason,
    });
    const waiters = agent.waiters;
    if (waiters.length > 0) {
      agent.waiters = [];
      for (const wake of waiters) wake();
    }
    if (
      agent.callWaiters.length > 0 && agent.run === null &&
      (to === "failed" || to === "stopped" || to === "fatal")
    ) {
      const callers = agent.callWaiters;
      agent.callWaiters = [];
      const error = new OrchestratorError(
        agent.failCode,
        `Cannot call agent "${agent.config.name}": ${reason}`,
      );
      for (const c of callers) c.reject(error);
    }
    this.#propagate(agent);
  }

  /** Fails queued dependents whose condition can no longer be met; schedules the rest. */
  #propagate(agent: Agent): void {
    const dependents = this.#dependents.get(agent.config.name);
    if (dependents !== undefined) {
      for (const d of dependents) {
        if (d.state !== "pending") continue;
        const condition = d.config.depends_on[agent.config.name];
        if (dependencyStatus(condition, agent.state, agent.ran) === "impossible") {
          d.failCode = 409;
          // pending -> failed: a dependency can no longer satisfy its condition
          this.#transition(d, "failed", `dependency "${agent.config.name}" is ${agent.state}`);
        }
      }
    }
    this.#requestSchedule();
  }

  #requestSchedule(): void {
    if (this.#scheduleQueued || !this.#booted) return;
    this.#scheduleQueued = true;
    queueMicrotask(() => {
      this.#scheduleQueued = false;
      this.#schedule();
    });
  }

  /** Starts queued agents, in dependency-then-config order, while worker slots are free. */
  #schedule(): void {
    if (this.shuttingDown) return;
    for (const agent of this.#order) {
      if (this.#live >= this.config.max_workers) return;
      if (agent.state !== "pending") continue;
      const deps = this.#dependenciesOf(agent);
      if (deps.status === "impossible") {
        agent.failCode = 409;
        // pending -> failed: a dependency can no longer satisfy its condition
        this.#transition(agent, "failed", deps.reason);
      } else if (deps.status === "satisfied") {
        this.#spawn(agent);
      }
    }
  }

  #dependenciesOf(
    agent: Agent,
  ): { status: "satisfied" | "waiting" | "impossible"; reason: string } {
    let waiting = "";
    for (const [name, condition] of Object.entries(agent.config.depends_on)) {
      const dep = this.#byName.get(name);
      if (dep === undefined) {
        return { status: "impossible", reason: `dependency "${name}" does not exist` };
      }
      const s = dependencyStatus(condition, dep.state, dep.ran);
      if (s === "impossible") {
        return { status: "impossible", reason: `dependency "${name}" is ${dep.state}` };
      }
      if (s === "waiting" && waiting === "") waiting = name;
    }
    return waiting === ""
      ? { status: "satisfied", reason: "" }
      : { status: "waiting", reason: `waiting for dependency "${waiting}"` };
  }

  /** Moves a settled agent to `pending`, with its stopped dependencies. */
  #queue(agent: Agent, inputs: Record<string, unknown> | undefined, reason: string): void {
    agent.inputs = inputs;
    agent.attempt = 0;
    agent.restartTimes = [];
    agent.failCode = 400;
    agent.ran = false;
    // stopped|completed|failed|fatal -> pending
    this.#transition(agent, "pending", reason);
    for (const name of Object.keys(agent.config.depends_on)) {
      const dep = this.#byName.get(name);
      if (dep !== undefined && dep.state === "stopped") {
        this.#queue(dep, undefined, `dependency of "${agent.config.name}"`);
      }
    }
  }

  /** Spawns the agent's process (from `pending` or `backoff`). */
  #spawn(agent: Agent): void {
    const config = agent.config;
    const template = config.tool_call_template;
    const resolved = resolveTemplate(template, {
      inputs: agent.inputs,
      values: config.values,
      env: this.#env,
    }, config.name);
    if (!resolved.ok) {
      agent.failCode = 400;
      // pending|backoff -> failed: the template cannot be resolved
      this.#transition(agent, "failed", resolved.reason);
      return;
    }
    const probe = config.readiness;
    const pipe = template.capture_output || this.config.log_dir !== null ||
      (probe !== null && probe.log_pattern !== null);
    let proc: AgentProcess;
    try {
      proc = spawnProcess(resolved.value, { pipe });
    } catch (error) {
      agent.failCode = 409;
      const why = error instanceof Deno.errors.NotFound
        ? "no such program or working directory"
        : (error as Error).message;
      // pending|backoff -> failed: the process could not be spawned
      this.#transition(agent, "failed", `Cannot spawn "${resolved.value.command}": ${why}`);
      return;
    }
    this.#watchdog?.add(proc.pid);
    this.#live++;
    const now = this.#clock.now();
    let handledResolve!: () => void;
    const run: Run = {
      proc,
      startedAt: now,
      outMark: 0,
      errMark: 0,
      drained: Promise.resolve(),
      handled: new Promise((resolve) => (handledResolve = resolve)),
      timedOut: false,
      probeFailure: null,
      timers: [],
      probeFailures: 0,
    };
    agent.run = run;
    agent.ran = true;
    agent.startedAt = now;
    agent.nextStartAt = null;
    agent.lastHeartbeat = probe === null ? now : agent.lastHeartbeat;
    const pattern = config.readiness?.log_pattern ?? null;
    if (pattern !== null) agent.pattern ??= new RegExp(pattern);
    run.drained = startCapture(agent, run, {
      ...this.config,
      onLine: agent.pattern === null ? null : (line) => this.#onLogLine(agent, line),
    });
    const hasProbe = probe !== null &&
      (probe.log_pattern !== null || probe.tcp !== null || probe.exec !== null);
    // pending|backoff -> starting (probe to pass) | running (no probe)
    this.#transition(agent, hasProbe ? "starting" : "running", "spawned", {
      pid: proc.pid,
      attempt: agent.attempt,
    });
    if (template.timeout !== null && template.timeout > 0) {
      run.timers.push(setTimeout(() => {
        if (agent.run !== run) return;
        run.timedOut = true;
        log.warn("Agent {agent} timed out after {timeout} s", {
          agent: config.name,
          timeout: template.timeout,
        });
        signalGroup(proc.pid, "SIGKILL", LEADER);
      }, template.timeout * 1000));
    }
    if (hasProbe && (probe.tcp !== null || probe.exec !== null)) this.#probeLater(agent, run, true);
    proc.exited.then((exit) => {
      this.#onExit(agent, run, exit);
      handledResolve();
    });
  }

  #onLogLine(agent: Agent, line: string): void {
    if (agent.pattern === null || !agent.pattern.test(line)) return;
    agent.lastHeartbeat = this.#clock.now();
    if (agent.state === "starting") {
      // starting -> ready: a line matched log_pattern
      this.#transition(agent, "ready", "log_pattern matched", { line: line.slice(0, 200) });
    } else if (agent.state === "paused" && agent.pausedFrom === "starting") {
      agent.pausedFrom = "ready";
    }
  }

  /** Runs the tcp/exec probe after initial_delay (first) or period, while the run lives. */
  #probeLater(agent: Agent, run: Run, first: boolean): void {
    const probe = agent.config.readiness!;
    const delay = (first ? probe.initial_delay : probe.period) * 1000;
    run.timers.push(setTimeout(async () => {
      if (agent.run !== run) return;
      if (agent.state === "paused") return this.#probeLater(agent, run, false);
      const timeout = Math.max(1, probe.timeout * 1000);
      const ok = probe.tcp !== null
        ? await tcpProbe(probe.tcp, timeout)
        : await execProbe(probe.exec!, timeout);
      if (agent.run !== run) return;
      if (ok) {
        run.probeFailures = 0;
        agent.lastHeartbeat = this.#clock.now();
        if (agent.state === "starting") {
          // starting -> ready: the tcp/exec probe passed
          this.#transition(agent, "ready", `${probe.tcp !== null ? "tcp" : "exec"} probe passed`);
        }
      } else {
        run.probeFailures++;
        if (probe.failure_threshold > 0 && run.probeFailures >= probe.failure_threshold) {
          run.probeFailure = `readiness probe failed ${run.probeFailures} times`;
          log.warn("Agent {agent}: {why}; killing it", {
            agent: agent.config.name,
            why: run.probeFailure,
          });
          signalGroup(run.proc.pid, "SIGKILL", LEADER);
          return;
        }
      }
      this.#probeLater(agent, run, false);
    }, delay));
  }

  /** Handles the exit of a run: kills what is left of its group, then settles or restarts. */
  #onExit(agent: Agent, run: Run, exit: ExitInfo): void {
    for (const t of run.timers) clearTimeout(t);
    run.timers = [];
    // The leader is gone; nothing else of its group may live on.
    signalGroup(run.proc.pid, "SIGKILL");
    this.#watchdog?.remove(run.proc.pid);
    this.#live--;
    agent.run = null;
    agent.pausedFrom = null;
    agent.lastExit = exit;
    const now = this.#clock.now();
    this.#finishCall(agent, run, exit, now);

    const data = { pid: run.proc.pid, exit_code: exit.code, signal: exit.signal };
    if (agent.state === "stopping") {
      // stopping -> stopped: the stop someone asked for is done; never restarted
      this.#transition(agent, "stopped", agent.reason ?? "stopped", data);
      return;
    }
    const why = run.timedOut
      ? `timed out after ${agent.config.tool_call_template.timeout} s`
      : run.probeFailure ?? describeExit(exit);
    const effective: ExitInfo = run.timedOut || run.probeFailure !== null
      ? { code: null, signal: exit.signal ?? "SIGKILL" }
      : exit;
    const decision = this.shuttingDown
      ? {
        action: "done" as const,
        success: agent.config.success_exit_codes.includes(effective.code ?? -1),
      }
      : decideRestart({
        policy: agent.config.restart,
        exit: effective,
        successCodes: agent.config.success_exit_codes,
        backoff: agent.config.backoff,
        maxRestarts: agent.config.max_restarts,
        restartWindow: agent.config.restart_window,
        attempt: agent.attempt,
        restartTimes: agent.restartTimes,
        upSeconds: (now - run.startedAt) / 1000,
        now,
      });
    switch (decision.action) {
      case "done":
        // live -> completed|failed: exited, no restart wanted
        this.#transition(agent, decision.success ? "completed" : "failed", why, {
          ...data,
          timed_out: run.timedOut,
        });
        return;
      case "fatal":
        agent.failCode = 409;
        // live -> fatal: max_restarts reached within restart_window
        this.#transition(
          agent,
          "fatal",
          `${why}; restarted ${decision.restarts} times within ${agent.config.restart_window} s`,
          data,
        );
        return;
      case "restart": {
        agent.attempt = decision.attempt;
        agent.restartTimes = decision.restartTimes;
        const delay = decision.delaySeconds;
        agent.nextStartAt = now + delay * 1000;
        // live -> backoff: exited, will be restarted after the delay
        this.#transition(agent, "backoff", `${why}; restarting in ${delay} s`, {
          ...data,
          delay_seconds: delay,
          attempt: decision.attempt,
        });
        if (delay <= 0) {
          this.#restartNow(agent);
        } else {
          agent.backoffTimer = setTimeout(() => this.#restartNow(agent), delay * 1000);
        }
        return;
      }
    }
  }

  /** End of backoff: spawn now if a slot is free and dependencies hold, else queue. */
  #restartNow(agent: Agent): void {
    agent.backoffTimer = undefined;
    if (agent.state !== "backoff" || this.shuttingDown) return;
    const deps = this.#dependenciesOf(agent);
    if (deps.status === "impossible") {
      // backoff -> failed: a dependency can no longer satisfy its condition
      this.#transition(agent, "failed", deps.reason);
    } else if (deps.status === "satisfied" && this.#live < this.config.max_workers) {
      this.#spawn(agent);
    } else {
      // backoff -> pending: waiting for a worker slot or a dependency
      this.#transition(agent, "pending", deps.reason || "waiting for a worker slot");
    }
  }

  /** Resolves `call` waiters with the UTCP result of the run that just ended. */
  #finishCall(agent: Agent, run: Run, exit: ExitInfo, now: number): void {
    if (agent.callWaiters.length === 0) return;
    const callers = agent.callWaiters;
    agent.callWaiters = [];
    const drained = Promise.race([
      run.drained,
      new Promise<void>((resolve) => setTimeout(resolve, PIPE_DRAIN_MS)),
    ]);
    drained.then(() => {
      const result = runResult(agent, run, exit, now);
      for (const c of callers) c.resolve(result);
    });
  }

  /** Stops an agent in any state and resolves once it is settled. */
  async #stopAgent(agent: Agent, reason: string): Promise<void> {
    switch (agent.state) {
      case "pending":
        // pending -> stopped: stopped before it was spawned
        this.#transition(agent, "stopped", reason);
        return;
      case "backoff":
        clearTimeout(agent.backoffTimer);
        agent.backoffTimer = undefined;
        agent.nextStartAt = null;
        // backoff -> stopped: the restart is cancelled
        this.#transition(agent, "stopped", reason);
        return;
      case "starting":
      case "running":
      case "ready":
      case "paused": {
        const run = agent.run!;
        const wasPaused = agent.state === "paused";
        // live -> stopping: stop_signal sent to the group
        this.#transition(agent, "stopping", reason);
        signalGroup(run.proc.pid, agent.config.stop_signal, LEADER);
        if (wasPaused) signalGroup(run.proc.pid, "SIGCONT", LEADER);
        run.timers.push(setTimeout(() => {
          if (agent.run === run) signalGroup(run.proc.pid, "SIGKILL", LEADER);
        }, agent.config.stop_timeout * 1000));
        await run.handled;
        return;
      }
      case "stopping":
        await agent.run?.handled;
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- helpers

  #get(name: string): Agent {
    const agent = this.#byName.get(name);
    if (agent === undefined) throw notFound(`Unknown agent "${name}"`, { agent: name });
    return agent;
  }

  #refuseWhenShuttingDown(command: string, name: string): void {
    if (this.shuttingDown) {
      throw new OrchestratorError(503, `Cannot ${command} agent "${name}": shutting down`);
    }
  }

  #requireSettled(agent: Agent, command: string): void {
    if (!isSettled(agent.state)) {
      throw conflict(`Cannot ${command} agent "${agent.config.name}": state is "${agent.state}"`, {
        state: agent.state,
      });
    }
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
        `Invalid inputs for agent "${agent.config.name}": ${problems.join("; ")}`,
        { problems },
      );
    }
  }
}
