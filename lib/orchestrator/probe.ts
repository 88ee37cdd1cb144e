/**
 * Readiness and heartbeat of a run (docs/operations.md, Readiness and
 * heartbeat): the log_pattern match on each output line and the tcp/exec
 * probe loop (initial_delay, period, timeout, failure_threshold). Timers live
 * on the run and end with it. What a pass does to the agent's state is the
 * supervisor's decision (`ProbeHooks.passed`).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { signalGroup } from "../agent/process.ts";
import { execProbe, tcpProbe } from "../agent/readiness.ts";
import { type Agent, LEADER, type ProbePass, type Run } from "./agent.ts";

const log = getLogger(["orchestrator", "agents"]);

/** What the probes need from the orchestrator. */
export interface ProbeHooks {
  /** The probe of the agent's current run passed: a heartbeat, and ready when starting. */
  passed(agent: Agent, pass: ProbePass): void;
}

/** Handles one output line of the agent's current run: a log_pattern match is a pass. */
export function matchLogLine(agent: Agent, line: string, hooks: ProbeHooks): void {
  if (agent.pattern === null || !agent.pattern.test(line)) return;
  hooks.passed(agent, { reason: "log_pattern matched", data: { line: line.slice(0, 200) } });
}

/**
 * Runs the tcp/exec probe after initial_delay (`first`) or period, again and
 * again while `run` is the agent's run. A paused agent is not probed (a probe
 * already under way when it was paused still counts). After
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
      hooks.passed(agent, {
        reason: `${probe.tcp !== null ? "tcp" : "exec"} probe passed`,
        data: {},
      });
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
    probeLater(agent, run, false, hooks);
  }, delay));
}
