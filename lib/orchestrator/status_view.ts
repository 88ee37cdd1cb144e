/**
 * The `ps` row and `status` record of an agent, as plain objects (the
 * library API; the control layer serialises them, see
 * lib/control/agents_answer.ts). `uptime_seconds`, the restarts within the
 * window and a live agent's `last_heartbeat` follow from the time passed in;
 * everything else from the agent's record.
 *
 * @example
 * ```ts
 * const row = summaryObject(agent, Date.now()); // { name, state, pid, kind, restarts, uptime_seconds }
 * ```
 *
 * @module
 */

import type { AgentStatus, AgentSummary } from "../agent/info.ts";
import { restartsInWindow } from "../agent/restart.ts";
import { isoTime } from "../iso_time.ts";
import { type Agent, round3 } from "./agent.ts";

/** Last time the agent was seen alive and passing its probe. */
export function heartbeat(agent: Agent, now: number): number | null {
  if (agent.run === null) return agent.lastHeartbeat;
  const probe = agent.config.readiness;
  if (agent.state === "running") return now;
  if (agent.state === "ready" && probe?.log_pattern !== null) return now;
  return agent.lastHeartbeat;
}

/** The `ps` row of an agent. */
export function summaryObject(agent: Agent, now: number): AgentSummary {
  return {
    name: agent.config.name,
    state: agent.state,
    pid: agent.run?.proc.pid ?? null,
    kind: agent.config.kind,
    restarts: restartsInWindow(agent.restartTimes, agent.config.restart_window, now),
    uptime_seconds: agent.run === null ? null : round3((now - agent.run.startedAt) / 1000),
  };
}

/** The `status <agent>` record of an agent. */
export function statusObject(agent: Agent, now: number): AgentStatus {
  const beat = heartbeat(agent, now);
  return {
    ...summaryObject(agent, now),
    agent_name: agent.config.name,
    description: agent.config.description,
    last_heartbeat: beat === null ? null : isoTime(beat),
    started_at: agent.startedAt === null ? null : isoTime(agent.startedAt),
    last_exit_code: agent.lastExit?.code ?? null,
    last_signal: agent.lastExit?.signal ?? null,
    reason: agent.reason,
    autostart: agent.config.autostart,
    depends_on: { ...agent.config.depends_on },
    next_start_at: agent.state === "backoff" && agent.nextStartAt !== null
      ? isoTime(agent.nextStartAt)
      : null,
  };
}
