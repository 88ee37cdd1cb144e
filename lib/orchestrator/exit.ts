/**
 * What the exit of a run leads to (docs/operations.md, Restart policy), as a pure
 * function of the agent, the run and the exit: the next state, its reason
 * and the restart bookkeeping.
 *
 * @module
 */

import type { AgentState } from "../agent/state.ts";
import { decideRestart, type ExitInfo } from "../agent/restart.ts";
import { type Agent, describeExit, type Run } from "./agent.ts";

/** Result of {@link exitOutcome}. */
export type ExitOutcome =
  | { action: "settle"; to: AgentState; reason: string; data: Record<string, unknown> }
  | {
    action: "restart";
    reason: string;
    data: Record<string, unknown>;
    attempt: number;
    restartTimes: number[];
    delaySeconds: number;
  };

/**
 * Decides what follows the exit of `run`: `stopped` after a requested stop,
 * `completed`/`failed` when no restart is wanted (always during shutdown),
 * `fatal` after max_restarts within restart_window, else a restart after a
 * backoff delay. A timeout or failed probe counts as killed by SIGKILL.
 */
export function exitOutcome(
  agent: Agent,
  run: Run,
  exit: ExitInfo,
  now: number,
  shuttingDown: boolean,
): ExitOutcome {
  const config = agent.config;
  const data = { pid: run.proc.pid, exit_code: exit.code, signal: exit.signal };
  if (agent.state === "stopping") {
    return { action: "settle", to: "stopped", reason: agent.reason ?? "stopped", data };
  }
  const why = run.timedOut
    ? `timed out after ${config.tool_call_template.timeout} s`
    : run.probeFailure ?? describeExit(exit);
  const effective: ExitInfo = run.timedOut || run.probeFailure !== null
    ? { code: null, signal: exit.signal ?? "SIGKILL" }
    : exit;
  const decision = shuttingDown
    ? { action: "done" as const, success: config.success_exit_codes.includes(effective.code ?? -1) }
    : decideRestart({
      policy: config.restart,
      exit: effective,
      successCodes: config.success_exit_codes,
      backoff: config.backoff,
      maxRestarts: config.max_restarts,
      restartWindow: config.restart_window,
      attempt: agent.attempt,
      restartTimes: agent.restartTimes,
      upSeconds: (now - run.startedAt) / 1000,
      now,
    });
  switch (decision.action) {
    case "done":
      return {
        action: "settle",
        to: decision.success ? "completed" : "failed",
        reason: why,
        data: { ...data, timed_out: run.timedOut },
      };
    case "fatal":
      return {
        action: "settle",
        to: "fatal",
        reason: `${why}; restarted ${decision.restarts} times within ${config.restart_window} s`,
        data,
      };
    case "restart":
      return {
        action: "restart",
        reason: `${why}; restarting in ${decision.delaySeconds} s`,
        data: { ...data, delay_seconds: decision.delaySeconds, attempt: decision.attempt },
        attempt: decision.attempt,
        restartTimes: decision.restartTimes,
        delaySeconds: decision.delaySeconds,
      };
  }
}
