/**
 * The `ps` row and `status` record of an agent, as plain objects (the
 * library API; the control layer serialises them, see
 * lib/control/agents_answer.ts). `uptime_seconds`, the restarts within the
 * window and a live agent's `last_heartbeat` follow from the time passed in;
 * everything else from the agent's record.
 *
 * @example
 * ```ts
 * const row = summaryObject(agent, Date.now());
 * // { name, state, pid, kind, group, restarts, uptime_seconds, cpu_percent, memory_bytes }
 * ```
 *
 * @module
 */

import type { AgentStatus, AgentSummary } from "../agent/info.ts";
import { restartsInWindow } from "../agent/restart.ts";
import { isoTime } from "../iso_time.ts";
import { type Agent, round3 } from "./agent.ts";

/** An agent's last ISO text of one of its times, and the time it shows. */
interface IsoText {
  ms: number;
  text: string;
}

/**
 * The ISO texts of each agent's start time and heartbeat. Both change far
 * less often than a polling client asks for them, and formatting them in
 * turn with the current time would defeat `isoTime`'s one-minute cache.
 */
const STARTED_TEXTS = new WeakMap<Agent, IsoText>();
const BEAT_TEXTS = new WeakMap<Agent, IsoText>();

/** `isoTime(ms)`, remembered per agent in `texts`. */
function keptIso(texts: WeakMap<Agent, IsoText>, agent: Agent, ms: number): string {
  const kept = texts.get(agent);
  if (kept !== undefined && kept.ms === ms) return kept.text;
  const text = isoTime(ms);
  texts.set(agent, { ms, text });
  return text;
}

/** Last time the agent was seen alive and passing its probe. */
export function heartbeat(agent: Agent, now: number): number | null {
  if (agent.run === null) return agent.lastHeartbeat;
  const probe = agent.config.readiness;
  if (agent.state === "running") return now;
  if (agent.state === "ready" && probe?.log_pattern !== null) return now;
  return agent.lastHeartbeat;
}

function restarts(agent: Agent, now: number): number {
  return restartsInWindow(agent.restartTimes, agent.config.restart_window, now);
}

function uptime(agent: Agent, now: number): number | null {
  return agent.run === null ? null : round3((now - agent.run.startedAt) / 1000);
}

/** The `ps` row of an agent. */
export function summaryObject(agent: Agent, now: number): AgentSummary {
  return {
    name: agent.config.name,
    state: agent.state,
    pid: agent.run?.proc.pid ?? null,
    kind: agent.config.kind,
    group: agent.config.group,
    restarts: restarts(agent, now),
    uptime_seconds: uptime(agent, now),
    cpu_percent: agent.run === null ? null : agent.cpuPercent,
    memory_bytes: agent.run === null ? null : agent.memoryBytes,
  };
}

/**
 * The `status <agent>` record of an agent: its `ps` row's keys first, in the
 * same order, then more (one object literal: `JSON.stringify` is fastest on it).
 */
export function statusObject(agent: Agent, now: number): AgentStatus {
  const config = agent.config;
  const beat = heartbeat(agent, now);
  return {
    name: config.name,
    state: agent.state,
    pid: agent.run?.proc.pid ?? null,
    kind: config.kind,
    group: config.group,
    restarts: restarts(agent, now),
    uptime_seconds: uptime(agent, now),
    cpu_percent: agent.run === null ? null : agent.cpuPercent,
    memory_bytes: agent.run === null ? null : agent.memoryBytes,
    agent_name: config.name,
    description: config.description,
    last_heartbeat: beat === null
      ? null
      : beat === now
      ? isoTime(now)
      : keptIso(BEAT_TEXTS, agent, beat),
    started_at: agent.startedAt === null ? null : keptIso(STARTED_TEXTS, agent, agent.startedAt),
    last_exit_code: agent.lastExit?.code ?? null,
    last_signal: agent.lastExit?.signal ?? null,
    reason: agent.reason,
    autostart: config.autostart,
    depends_on: { ...config.depends_on },
    next_start_at: agent.state === "backoff" && agent.nextStartAt !== null
      ? isoTime(agent.nextStartAt)
      : null,
    log_lost_bytes: (agent.outFile?.lostBytes ?? 0) + (agent.errFile?.lostBytes ?? 0),
  };
}
