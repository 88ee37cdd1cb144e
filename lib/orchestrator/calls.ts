/**
 * The callers of `call` waiting on an agent: answered with the UTCP result
 * of the run that ended, or refused when the agent ends before any run.
 *
 * @module
 */

import { OrchestratorError } from "../errors.ts";
import type { ExitInfo } from "../agent/restart.ts";
import type { AgentState } from "../agent/state.ts";
import { type Agent, type Run, runResult } from "./agent.ts";

/** How long output pipes may stay open after the process group was killed. */
const PIPE_DRAIN_MS = 500;

/**
 * Resolves the agent's `call` waiters with the UTCP result of `run`, which
 * just ended, once its output is read (or after {@link PIPE_DRAIN_MS}).
 */
export function finishCalls(agent: Agent, run: Run, exit: ExitInfo, now: number): void {
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

/**
 * Refuses the agent's `call` waiters with `code` when it has just moved to
 * `to` with no process: it failed, stopped or gave up before a run.
 */
export function refuseCalls(
  agent: Agent,
  to: AgentState,
  refusal: { code: 400 | 409; reason: string },
): void {
  if (agent.callWaiters.length === 0 || agent.run !== null) return;
  if (to !== "failed" && to !== "stopped" && to !== "fatal") return;
  const callers = agent.callWaiters;
  agent.callWaiters = [];
  const error = new OrchestratorError(
    refusal.code,
    `Cannot call agent "${agent.config.name}": ${refusal.reason}`,
  );
  for (const c of callers) c.reject(error);
}
