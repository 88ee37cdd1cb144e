/**
 * The state machine of the agents and the I/O shell around it: worker
 * slots, dependencies, spawning, exits and restarts, stops. Every state
 * change goes through {@link Supervisor.transition}, which checks the move
 * against `TRANSITIONS`, records the event and wakes waiters. The decisions
 * are pure functions (`exit.ts`, `transition.ts`, `graph.ts`, `restart.ts`).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { OrchestratorConfig } from "../config/types.ts";
import type { EventSink } from "../events/event.ts";
import { OrchestratorError } from "../errors.ts";
import type { UtcpResult } from "../agent/info.ts";
import { type AgentState, canTransition } from "../agent/state.ts";
import type { ExitInfo } from "../agent/restart.ts";
import { signalGroup } from "../agent/process.ts";
import { Watchdog } from "../agent/watchdog.ts";
import { Containment, type ContainmentKind } from "../containment/containment.ts";
import { dependencyStatus, dependentsOf, startOrder } from "./graph.ts";
import { type Agent, newAgent, type Run, runResult } from "./agent.ts";
import { startCapture } from "./capture.ts";
import { exitOutcome } from "./exit.ts";
import { launchProcess } from "./launch.ts";
import { matchLogLine, type ProbeHooks, probeLater } from "./probe.ts";
import { transitionEvent, transitionLogLevel } from "./transition.ts";

/** A clock, injectable for tests. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** Signal options for a live, unreaped agent process (see `signalGroup`). */
const LEADER = { leader: true } as const;

/** How long output pipes may stay open after the process group was killed. */
const PIPE_DRAIN_MS = 500;

/** Spawns in one scheduling pass above which their lines become one summary line. */
const SUMMARY_ABOVE = 3;

/** Names listed in a summary line. */
const SUMMARY_NAMES = 5;

const log = getLogger(["orchestrator", "agents"]);

/** A state-change line whose logging is deferred to the end of a scheduling pass. */
interface SpawnLine extends Record<string, unknown> {
  agent: string;
  from: AgentState;
  to: AgentState;
  reason: string;
}

/** What a dependency condition says now. */
export interface DependencyCheck {
  status: "satisfied" | "waiting" | "impossible";
  reason: string;
}

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  events: EventSink;
  clock: Clock;
  env: (name: string) => string | undefined;
}

/** Owns the agents' records and processes. Used by `Orchestrator`. */
export class Supervisor {
  readonly config: OrchestratorConfig;
  readonly events: EventSink;
  readonly clock: Clock;
  /** Every agent, in config order. */
  readonly agents: Agent[];
  readonly byName: Map<string, Agent>;
  /** Agents in dependency order (the scheduling order). */
  readonly order: Agent[];
  readonly #dependents: Map<string, Agent[]>;
  readonly #env: (name: string) => string | undefined;
  readonly #probeHooks: ProbeHooks;
  #watchdog: Watchdog | null = null;
  #containment = Containment.none();
  #live = 0;
  #active = false;
  #stopping = false;
  #scheduleQueued = false;
  /** Spawn lines of the current scheduling pass, or `null` outside one. */
  #spawnLines: SpawnLine[] | null = null;

  constructor(config: OrchestratorConfig, options: SupervisorOptions) {
    this.config = config;
    this.events = options.events;
    this.clock = options.clock;
    this.#env = options.env;
    this.agents = config.agents.map((c, index) => newAgent(c, index));
    this.byName = new Map(this.agents.map((a) => [a.config.name, a]));
    this.order = startOrder(config.agents).map((n) => this.byName.get(n)!);
    const dependents = dependentsOf(config.agents);
    this.#dependents = new Map(
      [...dependents].map(([name, list]) => [name, list.map((n) => this.byName.get(n)!)]),
    );
    this.#probeHooks = {
      now: () => this.clock.now(),
      ready: (agent, reason, data) => this.transition(agent, "ready", reason, data),
    };
  }

  /** Agents running now (holding a worker slot). */
  get live(): number {
    return this.#live;
  }

  /** The watchdog's pid, or `null` without one. */
  get watchdogPid(): number | null {
    return this.#watchdog?.pid ?? null;
  }

  /** The containment mode in force (docs/operations.md, "Containment"). */
  get containment(): ContainmentKind {
    return this.#containment.mode;
  }

  /** Agents that depend on `agent`. */
  dependentsOf(agent: Agent): Agent[] {
    return this.#dependents.get(agent.config.name) ?? [];
  }

  /** Starts scheduling (boot). With `watchdog`, starts the no-orphan watchdog first. */
  activate(watchdog: boolean): void {
    this.#active = true;
    if (!watchdog) return;
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

  /**
   * Sets containment up (boot, after `activate`, so the watchdog lists the
   * cgroup). Throws when the `containment` mode asked for by name is not
   * available here.
   */
  contain(): void {
    this.#containment = Containment.open(this.config.containment, {
      registry: {
        addCgroup: (dir) => this.#watchdog?.addCgroup(dir),
        adopt: (pid, start) => this.#watchdog?.adopt(pid, start),
        release: (pid) => this.#watchdog?.release(pid),
      },
    });
    if (this.#containment.fallback !== null) {
      log.warn("Containment {mode}: {why}", {
        mode: this.#containment.mode,
        why: this.#containment.fallback,
      });
    }
  }

  /** No agent starts or restarts from now on (shutdown). */
  beginShutdown(): void {
    this.#stopping = true;
  }

  /** Ends containment (kills what is left of the agents), then the watchdog (clean shutdown). */
  async closeWatchdog(): Promise<void> {
    await this.#containment.close();
    await this.#watchdog?.close();
    this.#watchdog = null;
  }

  // ------------------------------------------------------------ the machine

  /**
   * The only writer of an agent's state: checks the move against
   * `TRANSITIONS`, records the event, wakes waiters and dependents.
   */
  transition(
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
    const event = transitionEvent(from, to);
    if (event !== undefined) {
      this.events.append({
        event_name: event,
        agent_name: agent.config.name,
        data: { from, to, reason, ...data },
      });
    }
    const line = { agent: agent.config.name, from, to, reason };
    if (event === "AGENT_STARTED" && this.#spawnLines !== null) this.#spawnLines.push(line);
    else log[transitionLogLevel(event)]("Agent {agent}: {from} -> {to} ({reason})", line);
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

  /** Moves a settled agent to `pending`, with its stopped dependencies. */
  queue(agent: Agent, inputs: Record<string, unknown> | undefined, reason: string): void {
    agent.inputs = inputs;
    agent.attempt = 0;
    agent.restartTimes = [];
    agent.failCode = 400;
    agent.ran = false;
    // stopped|completed|failed|fatal -> pending
    this.transition(agent, "pending", reason);
    for (const name of Object.keys(agent.config.depends_on)) {
      const dep = this.byName.get(name);
      if (dep !== undefined && dep.state === "stopped") {
        this.queue(dep, undefined, `dependency of "${agent.config.name}"`);
      }
    }
  }

  /**
   * Starts queued agents, in dependency-then-config order, while worker
   * slots are free. When a pass spawns more than a few agents, their
   * `-> running` lines become one summary line (each stays at debug level).
   */
  schedule(): void {
    if (this.#stopping) return;
    const outer = this.#spawnLines === null;
    if (outer) this.#spawnLines = [];
    try {
      for (const agent of this.order) {
        if (this.#live >= this.config.max_workers) break;
        if (agent.state !== "pending") continue;
        const deps = this.dependenciesOf(agent);
        if (deps.status === "impossible") {
          agent.failCode = 409;
          // pending -> failed: a dependency can no longer satisfy its condition
          this.transition(agent, "failed", deps.reason);
        } else if (deps.status === "satisfied") {
          this.#spawn(agent);
        }
      }
    } finally {
      if (outer) {
        const lines = this.#spawnLines ?? [];
        this.#spawnLines = null;
        logSpawnLines(lines);
      }
    }
  }

  /** Whether the agent's dependencies are met, may still be met, or never will be. */
  dependenciesOf(agent: Agent): DependencyCheck {
    let waiting = "";
    for (const [name, condition] of Object.entries(agent.config.depends_on)) {
      const dep = this.byName.get(name);
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

  /** Stops an agent in any state and resolves once it is settled. */
  async stop(agent: Agent, reason: string): Promise<void> {
    switch (agent.state) {
      case "pending":
        // pending -> stopped: stopped before it was spawned
        this.transition(agent, "stopped", reason);
        return;
      case "backoff":
        clearTimeout(agent.backoffTimer);
        agent.backoffTimer = undefined;
        agent.nextStartAt = null;
        // backoff -> stopped: the restart is cancelled
        this.transition(agent, "stopped", reason);
        return;
      case "starting":
      case "running":
      case "ready":
      case "paused": {
        const run = agent.run!;
        const wasPaused = agent.state === "paused";
        // live -> stopping: stop_signal sent to the group
        this.transition(agent, "stopping", reason);
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
          this.transition(d, "failed", `dependency "${agent.config.name}" is ${agent.state}`);
        }
      }
    }
    this.#requestSchedule();
  }

  #requestSchedule(): void {
    if (this.#scheduleQueued || !this.#active) return;
    this.#scheduleQueued = true;
    queueMicrotask(() => {
      this.#scheduleQueued = false;
      this.schedule();
    });
  }

  /** Spawns the agent's process (from `pending` or `backoff`). */
  #spawn(agent: Agent): void {
    const config = agent.config;
    const launched = launchProcess(agent, this.#env, this.config.log_dir, this.#containment);
    if (!launched.ok) {
      agent.failCode = launched.code;
      // pending|backoff -> failed: the template cannot be resolved or the process spawned
      this.transition(agent, "failed", launched.reason);
      return;
    }
    const proc = launched.proc;
    this.#watchdog?.add(proc.pid);
    this.#live++;
    const now = this.clock.now();
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
    const probe = config.readiness;
    agent.run = run;
    agent.ran = true;
    agent.startedAt = now;
    agent.nextStartAt = null;
    agent.lastHeartbeat = probe === null ? now : agent.lastHeartbeat;
    const pattern = probe?.log_pattern ?? null;
    if (pattern !== null) agent.pattern ??= new RegExp(pattern);
    run.drained = startCapture(agent, run, {
      ...this.config,
      onLine: agent.pattern === null ? null : (line) => matchLogLine(agent, line, this.#probeHooks),
    });
    const hasProbe = probe !== null &&
      (probe.log_pattern !== null || probe.tcp !== null || probe.exec !== null);
    // pending|backoff -> starting (probe to pass) | running (no probe)
    this.transition(agent, hasProbe ? "starting" : "running", "spawned", {
      pid: proc.pid,
      attempt: agent.attempt,
    });
    const timeout = config.tool_call_template.timeout;
    if (timeout !== null && timeout > 0) {
      run.timers.push(setTimeout(() => {
        if (agent.run !== run) return;
        run.timedOut = true;
        log.warn("Agent {agent} timed out after {timeout} s", { agent: config.name, timeout });
        signalGroup(proc.pid, "SIGKILL", LEADER);
      }, timeout * 1000));
    }
    if (hasProbe && (probe.tcp !== null || probe.exec !== null)) {
      probeLater(agent, run, true, this.#probeHooks);
    }
    proc.exited.then((exit) => {
      this.#onExit(agent, run, exit);
      handledResolve();
    });
  }

  /** Handles the exit of a run: kills what is left of its group, then settles or restarts. */
  #onExit(agent: Agent, run: Run, exit: ExitInfo): void {
    for (const t of run.timers) clearTimeout(t);
    run.timers = [];
    // The leader is gone; nothing else of its group may live on.
    signalGroup(run.proc.pid, "SIGKILL");
    this.#containment.ended(agent.config.name);
    this.#watchdog?.remove(run.proc.pid);
    this.#live--;
    agent.run = null;
    agent.pausedFrom = null;
    agent.lastExit = exit;
    const now = this.clock.now();
    this.#finishCall(agent, run, exit, now);

    const outcome = exitOutcome(agent, run, exit, now, this.#stopping);
    if (outcome.action === "settle") {
      if (outcome.to === "fatal") agent.failCode = 409;
      // stopping -> stopped (never restarted) | live -> completed|failed|fatal
      this.transition(agent, outcome.to, outcome.reason, outcome.data);
      return;
    }
    agent.attempt = outcome.attempt;
    agent.restartTimes = outcome.restartTimes;
    const delay = outcome.delaySeconds;
    agent.nextStartAt = now + delay * 1000;
    // live -> backoff: exited, will be restarted after the delay
    this.transition(agent, "backoff", outcome.reason, outcome.data);
    if (delay <= 0) {
      this.#restartNow(agent);
    } else {
      agent.backoffTimer = setTimeout(() => this.#restartNow(agent), delay * 1000);
    }
  }

  /** End of backoff: spawn now if a slot is free and dependencies hold, else queue. */
  #restartNow(agent: Agent): void {
    agent.backoffTimer = undefined;
    if (agent.state !== "backoff" || this.#stopping) return;
    const deps = this.dependenciesOf(agent);
    if (deps.status === "impossible") {
      // backoff -> failed: a dependency can no longer satisfy its condition
      this.transition(agent, "failed", deps.reason);
    } else if (deps.status === "satisfied" && this.#live < this.config.max_workers) {
      this.#spawn(agent);
    } else {
      // backoff -> pending: waiting for a worker slot or a dependency
      this.transition(agent, "pending", deps.reason || "waiting for a worker slot");
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
      const result: UtcpResult = runResult(agent, run, exit, now);
      for (const c of callers) c.resolve(result);
    });
  }
}

/** Logs the spawn lines of one scheduling pass: each at info, or a summary when many. */
function logSpawnLines(lines: SpawnLine[]): void {
  if (lines.length <= SUMMARY_ABOVE) {
    for (const line of lines) log.info("Agent {agent}: {from} -> {to} ({reason})", line);
    return;
  }
  for (const line of lines) log.debug("Agent {agent}: {from} -> {to} ({reason})", line);
  const names = lines.slice(0, SUMMARY_NAMES).map((l) => l.agent).join(", ");
  log.info("Spawned {count} agents: {names}", {
    count: lines.length,
    names: lines.length > SUMMARY_NAMES ? `${names}, …` : names,
  });
}
