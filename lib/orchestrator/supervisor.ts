/**
 * The state machine of the agents and the I/O shell around it: worker
 * slots, dependencies, spawning, exits and restarts, pause, resume and stop
 * with their signals. Every state change goes through the private
 * `#transition`, the only writer of an agent's state, reason, paused-from
 * state and version: it checks the move (`checkMove`, the `TRANSITIONS`
 * table), records the event and wakes waiters. The decisions are pure
 * functions (`exit.ts`, `transition.ts`, `graph.ts`, `restart.ts`).
 *
 * A reload replaces the config, the agents and their graph (`reconfigure`,
 * `replaceConfig`, `hold`, `forget`; the steps are in `reload.ts`): every
 * state change it causes still goes through `#transition`.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AgentConfig, OrchestratorConfig } from "../config/types.ts";
import type { EventSink } from "../events/event.ts";
import { conflict } from "../errors.ts";
import { type AgentState, canTransition } from "../agent/state.ts";
import type { ExitInfo } from "../agent/restart.ts";
import { signalGroup } from "../agent/process.ts";
import type { SignalName } from "../protocol/signals.ts";
import { Watchdog } from "../agent/watchdog.ts";
import { linearPattern } from "../pattern.ts";
import {
  type DependencyCheck,
  dependencyCheck,
  type DependencyState,
  dependencyStatus,
  dependentsOf,
  startOrder,
} from "./graph.ts";
import { type Agent, LEADER, newAgent, newRun, type ProbePass, type Run } from "./agent.ts";
import { finishCalls, refuseCalls } from "./calls.ts";
import { Containment, type ContainmentKind } from "../containment/containment.ts";
import { startCapture } from "./capture.ts";
import { OutputTap } from "./output_tap.ts";
import { exitOutcome } from "./exit.ts";
import { launchProcess } from "./launch.ts";
import { matchLogLine, type ProbeHooks, probeLater } from "./probe.ts";
import { heartbeat } from "./status_view.ts";
import { SpawnLines } from "./spawn_lines.ts";
import { checkMove, transitionEvent, transitionLogLevel } from "./transition.ts";
import type { OutputForwarder } from "./forward.ts";
import type { OutputStream } from "../agent/output_observer.ts";
import type { AgentUsage } from "./resources.ts";

/** A clock, injectable for tests. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

const log = getLogger(["orchestrator", "agents"]);

/** What a transition writes and records besides the new state. */
interface Change {
  /** Why: the agent's `reason` from now on, and the event's. */
  reason: string;
  /** Event data besides `from`, `to` and `reason`. */
  data?: Record<string, unknown>;
  /**
   * The code `call` waiters are refused with when the move ends the agent
   * before any run: 400 when the template's values are bad, else 409.
   */
  code?: 400 | 409;
}

/** How a dependency that a reload restarts looks to its dependents: queued. */
const RESTARTING: DependencyState = { state: "pending", ran: false };

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  events: EventSink;
  clock: Clock;
  env: (name: string) => string | undefined;
  /** Where the lines of agents with `forward_output` go; `null`: nowhere. */
  forwarder?: OutputForwarder | null;
}

/** Why a reload holds an agent: it restarts it, or removes it. */
export type Hold = "restart" | "remove";

/** Owns the agents' records and processes. Used by `Orchestrator`. */
export class Supervisor {
  readonly events: EventSink;
  readonly clock: Clock;
  #config: OrchestratorConfig;
  #agents: Agent[];
  #byName: Map<string, Agent>;
  #order: Agent[] = [];
  #dependents = new Map<string, Agent[]>();
  /** Agents a reload is stopping, to start them again or to remove them. */
  readonly #held = new Map<Agent, Hold>();
  /** The observers of the agents' output lines (`Orchestrator.observeOutput`); kept across reloads. */
  readonly outputTap = new OutputTap();
  readonly #env: (name: string) => string | undefined;
  readonly #probeHooks: ProbeHooks;
  readonly #forwarder: OutputForwarder | null;
  /** Runs whose pipes are still being read. */
  readonly #draining = new Set<Promise<void>>();
  #watchdog: Watchdog | null = null;
  #version = 0;
  #containment = Containment.none();
  #live = 0;
  #active = false;
  #stopping = false;
  #scheduleQueued = false;
  readonly #spawnLines = new SpawnLines();

  constructor(config: OrchestratorConfig, options: SupervisorOptions) {
    this.events = options.events;
    this.clock = options.clock;
    this.#env = options.env;
    this.#forwarder = options.forwarder ?? null;
    this.#config = config;
    this.#agents = config.agents.map((c, index) => newAgent(c, index));
    this.#byName = new Map(this.#agents.map((a) => [a.config.name, a]));
    this.#buildGraph();
    this.#probeHooks = { passed: (agent, pass) => this.#probePassed(agent, pass) };
  }

  /** The config in force (replaced by {@link Supervisor.reconfigure}). */
  get config(): OrchestratorConfig {
    return this.#config;
  }

  /** Every agent, in config order (then the agents a reload is still removing). */
  get agents(): readonly Agent[] {
    return this.#agents;
  }

  /** The agents of {@link Supervisor.agents} by name. */
  get byName(): ReadonlyMap<string, Agent> {
    return this.#byName;
  }

  /** Agents of the config in dependency order (the scheduling order). */
  get order(): readonly Agent[] {
    return this.#order;
  }

  /** True once shutdown began: nothing starts any more. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The scheduling order and the dependents of each agent, from the config's agents. */
  #buildGraph(): void {
    const agents = this.#config.agents;
    const byName = this.#byName;
    this.#order = startOrder(agents).map((n) => byName.get(n)!);
    const dependents = dependentsOf(agents);
    this.#dependents = new Map(
      [...dependents].map(([name, list]) => [name, list.map((n) => byName.get(n)!)]),
    );
  }

  /**
   * Grows with every change to what `ps` and `status` show of any agent
   * (each agent's `version` is this counter's value at its last change; a
   * resource sample bumps it once for all agents, see `applyUsage`).
   * Values that follow from the clock alone (uptime, restarts within the
   * window, a live agent's heartbeat) change without it.
   */
  get version(): number {
    return this.#version;
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

  /** The agent's cgroup directory in cgroup containment, else `null`. */
  cgroupOf(name: string): string | null {
    return this.#containment.cgroupOf(name);
  }

  /**
   * Takes the figures of a resource sample (lib/orchestrator/resources.ts)
   * and bumps the change counter once when any agent's figures changed.
   */
  applyUsage(usage: Map<Agent, AgentUsage>): void {
    let changed = false;
    for (const [agent, u] of usage) {
      if (agent.run === null) continue; // ended since: shows no figures
      if (agent.cpuPercent === u.cpuPercent && agent.memoryBytes === u.memoryBytes) continue;
      agent.cpuPercent = u.cpuPercent;
      agent.memoryBytes = u.memoryBytes;
      changed = true;
    }
    if (changed) this.#version++;
  }

  /** Resolves once the pipes of every run are read to the end, or after `ms`. */
  async outputDrained(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.all(this.#draining), timeout]);
    clearTimeout(timer);
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
    this.#containment = Containment.open(this.#config.containment, {
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

  // ----------------------------------------------------------------- reload

  /**
   * Holds `agent` for a reload that stops it (to restart or remove it):
   * its moves fail no dependent, dependents see it as queued while it
   * restarts, and a backoff timer does not spawn it. Commands refuse it (409).
   */
  hold(agent: Agent, why: Hold): void {
    this.#held.set(agent, why);
  }

  /** Ends a hold (the reload queued the agent again). */
  release(agent: Agent): void {
    this.#held.delete(agent);
  }

  /** Why a reload holds `agent`, or `undefined` when none does. */
  heldFor(agent: Agent): Hold | undefined {
    return this.#held.get(agent);
  }

  /**
   * Gives `agent` a new config. A process already spawned keeps running
   * what it was started with; the new fields apply from their next use. The
   * log_pattern and the captured streams are made again when the fields
   * they come from changed.
   */
  replaceConfig(agent: Agent, config: AgentConfig): void {
    if (
      agent.config.tool_call_template.capture_output !== config.tool_call_template.capture_output
    ) {
      agent.out = null;
      agent.err = null;
    }
    agent.config = config;
    this.#changed(agent);
  }

  /**
   * Runs with `config` from now on: its agents (`agents`, in its order, the
   * records of kept agents reused) and the graph they make, followed by the
   * agents a reload still removes (`leaving`), which belong to no graph.
   */
  reconfigure(config: OrchestratorConfig, agents: Agent[], leaving: readonly Agent[]): void {
    this.#config = config;
    this.#agents = [...agents, ...leaving];
    this.#byName = new Map(this.#agents.map((a) => [a.config.name, a]));
    this.#buildGraph();
    this.#version++;
  }

  /** Drops a removed agent once stopped, closing its log files. */
  forget(agent: Agent): void {
    this.#held.delete(agent);
    this.#agents = this.#agents.filter((a) => a !== agent);
    if (this.#byName.get(agent.config.name) === agent) this.#byName.delete(agent.config.name);
    agent.outFile?.close();
    agent.errFile?.close();
    this.#version++;
  }

  // ------------------------------------------------------------ the machine

  /**
   * The only writer of an agent's state, reason, paused-from state and
   * version: refuses a move not in `TRANSITIONS` with a 500 error before
   * writing or recording anything, then records the event, wakes waiters,
   * refuses `call` waiters when the move ends the agent before a run, and
   * fails or schedules dependents.
   */
  #transition(agent: Agent, to: AgentState, change: Change): void {
    const from = agent.state;
    const illegal = checkMove(agent.config.name, { from, to });
    if (illegal !== null) throw illegal;
    const reason = change.reason;
    agent.state = to;
    agent.reason = reason;
    agent.pausedFrom = to === "paused" ? from : null;
    this.#changed(agent);
    const event = transitionEvent(from, to);
    if (event !== undefined) {
      this.events.append({
        event_name: event,
        agent_name: agent.config.name,
        data: { from, to, reason, ...change.data },
      });
    }
    const line = { agent: agent.config.name, from, to, reason };
    if (event !== "AGENT_STARTED" || !this.#spawnLines.keep(line)) {
      log[transitionLogLevel(event)]("Agent {agent}: {from} -> {to} ({reason})", line);
    }
    const waiters = agent.waiters;
    if (waiters.length > 0) {
      agent.waiters = [];
      for (const wake of waiters) wake();
    }
    refuseCalls(agent, to, { code: change.code ?? 409, reason });
    this.#propagate(agent);
  }

  /** Marks a change to what `ps`/`status` show of `agent` (see {@link Supervisor.version}). */
  #changed(agent: Agent): void {
    agent.version = ++this.#version;
  }

  /**
   * A readiness probe of the current run passed: a heartbeat, and
   * `starting -> ready`. While paused in `starting` the pass is kept on the
   * run, and `resume` makes the agent ready.
   */
  #probePassed(agent: Agent, pass: ProbePass): void {
    agent.lastHeartbeat = this.clock.now();
    this.#changed(agent);
    if (agent.run !== null) agent.run.passed ??= pass;
    if (agent.state === "starting") {
      // starting -> ready: the probe passed
      this.#transition(agent, "ready", pass);
    }
  }

  /** Queues every autostart agent and the agents they depend on, in dependency order (boot). */
  queueAtBoot(): void {
    const wanted = new Set<Agent>();
    const want = (agent: Agent) => {
      if (wanted.has(agent)) return;
      wanted.add(agent);
      for (const dep of Object.keys(agent.config.depends_on)) {
        const d = this.byName.get(dep);
        if (d !== undefined) want(d);
      }
    };
    for (const agent of this.agents) if (agent.config.autostart) want(agent);
    for (const agent of this.order) {
      // stopped -> pending: queued at boot
      if (wanted.has(agent)) this.#transition(agent, "pending", { reason: "queued at boot" });
    }
  }

  /** Moves a settled agent to `pending`, with its stopped dependencies. */
  queue(agent: Agent, inputs: Record<string, unknown> | undefined, reason: string): void {
    agent.inputs = inputs;
    agent.attempt = 0;
    agent.restartTimes = [];
    agent.ran = false;
    // stopped|completed|failed|fatal -> pending
    this.#transition(agent, "pending", { reason });
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
    const outer = this.#spawnLines.open();
    try {
      for (const agent of this.order) {
        if (this.#live >= this.config.max_workers) break;
        if (agent.state !== "pending") continue;
        const deps = this.#dependencies(agent);
        if (deps.status === "impossible") {
          // pending -> failed: a dependency can no longer satisfy its condition
          this.#transition(agent, "failed", { reason: deps.reason });
        } else if (deps.status === "satisfied") {
          this.#spawn(agent);
        }
      }
    } finally {
      if (outer) this.#spawnLines.close();
    }
  }

  /**
   * Whether the agent's dependencies are met, may still be met, or never
   * will be. A dependency a reload is restarting counts as queued.
   */
  #dependencies(agent: Agent): DependencyCheck {
    return dependencyCheck(agent.config.depends_on, (name) => {
      const dep = this.#byName.get(name);
      return dep !== undefined && this.#held.get(dep) === "restart" ? RESTARTING : dep;
    });
  }

  /**
   * SIGSTOP to the agent's process group: `starting|running|ready -> paused`.
   * Its heartbeat stays at the moment of the pause. 409 in any other state.
   */
  pause(agent: Agent): void {
    const run = agent.run;
    if (run === null || !canTransition(agent.state, "paused")) {
      throw conflict(`Cannot pause agent "${agent.config.name}": state is "${agent.state}"`, {
        state: agent.state,
      });
    }
    signalGroup(run.proc.pid, "SIGSTOP", LEADER);
    agent.lastHeartbeat = heartbeat(agent, this.clock.now());
    // starting|running|ready -> paused: SIGSTOP sent to the group
    this.#transition(agent, "paused", { reason: "pause requested" });
  }

  /**
   * SIGCONT to the agent's process group: back to the state it was paused
   * in. An agent paused in `starting` whose probe passed meanwhile then
   * moves on to `ready` (AGENT_RESUMED, then AGENT_READY). 409 unless paused.
   */
  resume(agent: Agent): void {
    const run = agent.run;
    if (agent.state !== "paused" || run === null) {
      throw conflict(`Cannot resume agent "${agent.config.name}": state is "${agent.state}"`, {
        state: agent.state,
      });
    }
    signalGroup(run.proc.pid, "SIGCONT", LEADER);
    const to = agent.pausedFrom ?? "running";
    // paused -> starting|running|ready: SIGCONT sent, back where it was paused
    this.#transition(agent, to, { reason: "resume requested" });
    if (to === "starting" && run.passed !== null) {
      // starting -> ready: the probe passed while it was paused
      this.#transition(agent, "ready", {
        reason: `${run.passed.reason} while paused`,
        data: run.passed.data,
      });
    }
  }

  /**
   * Sends `signal` to the agent's process group (docs/protocol.md, `signal`);
   * the state does not change. 409 when the agent has no live process.
   */
  signal(agent: Agent, signal: SignalName): void {
    const run = agent.run;
    if (run === null || !signalGroup(run.proc.pid, signal, LEADER)) {
      throw conflict(
        `Cannot signal agent "${agent.config.name}": no live process (state is "${agent.state}")`,
        { state: agent.state },
      );
    }
    log.info("Agent {agent}: sent {signal} to process group {pgid}", {
      agent: agent.config.name,
      signal,
      pgid: run.proc.pid,
    });
  }

  /**
   * Stops an agent in any state and resolves once it is settled: a queued
   * or backing-off agent at once, a live one with stop_signal to its group
   * (and SIGCONT when paused), SIGKILL after stop_timeout.
   */
  async stop(agent: Agent, reason: string): Promise<void> {
    switch (agent.state) {
      case "pending":
        // pending -> stopped: stopped before it was spawned
        this.#transition(agent, "stopped", { reason });
        return;
      case "backoff":
        clearTimeout(agent.backoffTimer);
        agent.backoffTimer = undefined;
        agent.nextStartAt = null;
        // backoff -> stopped: the restart is cancelled
        this.#transition(agent, "stopped", { reason });
        return;
      case "starting":
      case "running":
      case "ready":
      case "paused": {
        const run = agent.run!;
        const wasPaused = agent.state === "paused";
        // live -> stopping: stop_signal sent to the group
        this.#transition(agent, "stopping", { reason });
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

  /**
   * Fails queued dependents whose condition can no longer be met; schedules
   * the rest. The moves of an agent a reload holds fail no dependent: it
   * comes back (restart) or no agent of the config depends on it (remove).
   */
  #propagate(agent: Agent): void {
    const dependents = this.#held.has(agent) ? undefined : this.#dependents.get(agent.config.name);
    if (dependents !== undefined) {
      for (const d of dependents) {
        if (d.state !== "pending") continue;
        const condition = d.config.depends_on[agent.config.name];
        if (dependencyStatus(condition, agent.state, agent.ran) === "impossible") {
          // pending -> failed: a dependency can no longer satisfy its condition
          this.#transition(d, "failed", {
            reason: `dependency "${agent.config.name}" is ${agent.state}`,
          });
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
    const forward = this.#forwardOf(agent);
    const launched = launchProcess(agent, {
      env: this.#env,
      logDir: this.config.log_dir,
      containment: this.#containment,
      forward: forward !== null,
    });
    if (!launched.ok) {
      // pending|backoff -> failed: the template cannot be resolved or the process spawned
      this.#transition(agent, "failed", { reason: launched.reason, code: launched.code });
      return;
    }
    const proc = launched.proc;
    this.#watchdog?.add(proc.pid);
    this.#live++;
    const now = this.clock.now();
    const run = newRun(proc, now);
    run.handled = proc.exited.then((exit) => this.#onExit(agent, run, exit));
    const probe = config.readiness;
    agent.run = run;
    agent.ran = true;
    agent.startedAt = now;
    agent.nextStartAt = null;
    agent.cpuPercent = null;
    agent.memoryBytes = null;
    agent.lastHeartbeat = probe === null ? now : agent.lastHeartbeat;
    const pattern = probe?.log_pattern ?? null;
    if (agent.pattern?.source !== pattern) {
      agent.pattern = pattern === null ? null : linearPattern(pattern);
    }
    run.drained = startCapture(agent, run, {
      ...this.config,
      onLine: agent.pattern === null ? null : (line) => matchLogLine(agent, line, this.#probeHooks),
      forward,
      tap: this.outputTap,
    });
    const drained = run.drained;
    this.#draining.add(drained);
    drained.finally(() => this.#draining.delete(drained));
    const hasProbe = probe !== null &&
      (probe.log_pattern !== null || probe.tcp !== null || probe.exec !== null);
    // pending|backoff -> starting (probe to pass) | running (no probe)
    this.#transition(agent, hasProbe ? "starting" : "running", {
      reason: "spawned",
      data: { pid: proc.pid, attempt: agent.attempt },
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
  }

  /** Where the agent's lines go when it forwards its output (`forward_output`), else `null`. */
  #forwardOf(agent: Agent): ((line: string, stream: OutputStream) => void) | null {
    const forwarder = this.#forwarder;
    const name = agent.config.name;
    if (forwarder === null || !(agent.config.forward_output ?? this.config.forward_output)) {
      return null;
    }
    return (line, stream) => forwarder.line(name, stream, line);
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
    agent.lastExit = exit;
    const now = this.clock.now();
    finishCalls(agent, run, exit, now);

    const outcome = exitOutcome(agent, run, exit, now, this.#stopping);
    if (outcome.action === "settle") {
      // stopping -> stopped (never restarted) | live -> completed|failed|fatal
      this.#transition(agent, outcome.to, { reason: outcome.reason, data: outcome.data });
      return;
    }
    agent.attempt = outcome.attempt;
    agent.restartTimes = outcome.restartTimes;
    const delay = outcome.delaySeconds;
    agent.nextStartAt = now + delay * 1000;
    // live -> backoff: exited, will be restarted after the delay
    this.#transition(agent, "backoff", { reason: outcome.reason, data: outcome.data });
    if (delay <= 0) {
      this.#restartNow(agent);
    } else {
      agent.backoffTimer = setTimeout(() => this.#restartNow(agent), delay * 1000);
    }
  }

  /** End of backoff: spawn now if a slot is free and dependencies hold, else queue. */
  #restartNow(agent: Agent): void {
    agent.backoffTimer = undefined;
    // A reload holding the agent stops it: backoff -> stopped there.
    if (agent.state !== "backoff" || this.#stopping || this.#held.has(agent)) return;
    const deps = this.#dependencies(agent);
    if (deps.status === "impossible") {
      // backoff -> failed: a dependency can no longer satisfy its condition
      this.#transition(agent, "failed", { reason: deps.reason });
    } else if (deps.status === "satisfied" && this.#live < this.config.max_workers) {
      this.#spawn(agent);
    } else {
      // backoff -> pending: waiting for a worker slot or a dependency
      this.#transition(agent, "pending", { reason: deps.reason || "waiting for a worker slot" });
    }
  }
}
