/**
 * Readiness and heartbeat of a run (SPEC §3): the log_pattern match on each
 * output line and the tcp/exec probe loop (initial_delay, period, timeout,
 * failure_threshold). Timers live on the run and end with it.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { signalGroup } from "../agent/process.ts";
import { execProbe, tcpProbe } from "../agent/readiness.ts";
import type { Agent, Run } from "./agent.ts";

const log = getLogger(["orchestrator", "agents"]);

/** What the probes need from the orchestrator. */
export interface ProbeHooks {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Moves the agent `starting -> ready`. */
  ready(agent: Agent, reason: string, data?: Record<string, unknown>): void;
}

/** Handles one output line of the agent's current run: log_pattern → heartbeat, ready. */
export function matchLogLine(agent: Agent, line: string, hooks: ProbeHooks): void {
  if (agent.pattern === null || !agent.pattern.test(line)) return;
  agent.lastHeartbeat = hooks.now();
  if (agent.state === "starting") {
    // starting -> ready: a line matched log_pattern
    hooks.ready(agent, "log_pattern matched", { line: line.slice(0, 200) });
  } else if (agent.state === "paused" && agent.pausedFrom === "starting") {
    agent.pausedFrom = "ready";
  }
}

/**
 * Runs the tcp/exec probe after initial_delay (`first`) or period, again and
 * again while `run` is the agent's run. A paused agent is not probed. After
 * failure_threshold consecutive failures the group is killed (the exit
 * handler reports `run.probeFailure`).
 */
export function probeLater(agent: Agent, run: Run, first: boolean, hooks: ProbeHooks): void {
  const probe = agent.config.readiness!;
  const delay = (first ? probe.initial_delay : probe.period) * 1000;
  run.timers.push(setTimeout(async () => {
    if (agent.run !== run) return;
    if (agent.state === "paused") return probeLater(agent, run, false, hooks);
    const timeout = Math.max(1, probe.timeout * 1000);
    const ok = probe.tcp !== null
      ? await tcpProbe(probe.tcp, timeout)
      : await execProbe(probe.exec!, timeout);
    if (agent.run !== run) return;
    if (ok) {
      run.probeFailures = 0;
      agent.lastHeartbeat = hooks.now();
      if (agent.state === "starting") {
        // starting -> ready: the tcp/exec probe passed
        hooks.ready(agent, `${probe.tcp !== null ? "tcp" : "exec"} probe passed`);
      }
    } else {
      run.probeFailures++;
      if (probe.failure_threshold > 0 && run.probeFailures >= probe.failure_threshold) {
        run.probeFailure = `readiness probe failed ${run.probeFailures} times`;
        log.warn("Agent {agent}: {why}; killing it", {
          agent: agent.config.name,
          why: run.probeFailure,
        });
        signalGroup(run.proc.pid, "SIGKILL", { leader: true });
        return;
      }
    }
    probeLater(agent, run, false, hooks);
  }, delay));
}
