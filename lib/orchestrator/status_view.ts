/**
 * The `ps` row and `status` record of an agent, as objects (the library API)
 * and as JSON text (the control socket's answers).
 *
 * The text form is what a polling client costs the orchestrator, so it is
 * built from pieces cached per agent: everything in a status record except
 * `restarts`, `uptime_seconds` and `last_heartbeat` changes only when the
 * agent changes (state, process, exit, reason, backoff deadline), and is
 * serialised once then. Per request only the three time-dependent values are
 * computed, and an agent's text is rebuilt only when one of them differs
 * from the last text's (they have millisecond resolution, so requests within
 * the same millisecond reuse it). `AgentsAnswer` does the same for the whole
 * `{"agents":[…]}` answer: unchanged agent texts give the same answer object,
 * whose encoded frame the server keeps. The text is byte for byte
 * `JSON.stringify` of the object form (same keys, same order); tests hold the
 * two together.
 *
 * @example
 * ```ts
 * const now = Date.now();
 * const text = statusText(agent, now);
 * // text === JSON.stringify(statusObject(agent, now))
 * ```
 *
 * @module
 */

import type { AgentStatus, AgentSummary } from "../agent/info.ts";
import type { AgentState } from "../agent/state.ts";
import { type ExitInfo, restartsInWindow } from "../agent/restart.ts";
import { isoTime } from "../iso_time.ts";
import { type Agent, round3 } from "./agent.ts";

/**
 * The serialised parts of one agent's record, valid while the fields they
 * were built from are unchanged (compared on every use, so no code path has
 * to remember to invalidate them).
 */
export interface StatusPieces {
  readonly state: AgentState;
  readonly pid: number | null;
  readonly startedAt: number | null;
  readonly lastExit: ExitInfo | null;
  readonly reason: string | null;
  readonly nextStartAt: number | null;
  /** `{"name":…,"state":…,"pid":…,"kind":…,"group":…,"restarts":` */
  readonly head: string;
  /** `,"agent_name":…,"description":…,"last_heartbeat":` */
  readonly middle: string;
  /** `,"started_at":…,"last_exit_code":…, … ,"next_start_at":…}` */
  readonly tail: string;
  /** The last `ps` row built from these pieces. */
  summary: TextMemo | null;
  /** The last `status` record built from these pieces. */
  status: TextMemo | null;
}

/** A text and the time-dependent values it shows. */
interface TextMemo {
  readonly restarts: number;
  readonly uptime: number | null;
  readonly beat: number | null;
  readonly text: string;
}

/** Last time the agent was seen alive and passing its probe. */
export function heartbeat(agent: Agent, now: number): number | null {
  if (agent.run === null) return agent.lastHeartbeat;
  const probe = agent.config.readiness;
  if (agent.state === "running") return now;
  if (agent.state === "ready" && probe?.log_pattern !== null) return now;
  return agent.lastHeartbeat;
}

function uptime(agent: Agent, now: number): number | null {
  return agent.run === null ? null : round3((now - agent.run.startedAt) / 1000);
}

function restarts(agent: Agent, now: number): number {
  return restartsInWindow(agent.restartTimes, agent.config.restart_window, now);
}

function nextStart(agent: Agent): string | null {
  return agent.state === "backoff" && agent.nextStartAt !== null
    ? isoTime(agent.nextStartAt)
    : null;
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
    next_start_at: nextStart(agent),
  };
}

/** An object's JSON without its closing brace. */
function open(value: Record<string, unknown>): string {
  return JSON.stringify(value).slice(0, -1);
}

/** An object's JSON without its opening brace. */
function close(value: Record<string, unknown>): string {
  return JSON.stringify(value).slice(1);
}

/** The agent's cached pieces, rebuilt when a field they show has changed. */
function pieces(agent: Agent): StatusPieces {
  const cached = agent.statusPieces;
  const pid = agent.run?.proc.pid ?? null;
  if (
    cached !== null && cached.state === agent.state && cached.pid === pid &&
    cached.startedAt === agent.startedAt && cached.lastExit === agent.lastExit &&
    cached.reason === agent.reason && cached.nextStartAt === agent.nextStartAt
  ) {
    return cached;
  }
  const config = agent.config;
  const built: StatusPieces = {
    state: agent.state,
    pid,
    startedAt: agent.startedAt,
    lastExit: agent.lastExit,
    reason: agent.reason,
    nextStartAt: agent.nextStartAt,
    head:
      open({ name: config.name, state: agent.state, pid, kind: config.kind, group: config.group }) +
      ',"restarts":',
    middle: "," +
      open({ agent_name: config.name, description: config.description }).slice(1) +
      ',"last_heartbeat":',
    tail: "," + close({
      started_at: agent.startedAt === null ? null : isoTime(agent.startedAt),
      last_exit_code: agent.lastExit?.code ?? null,
      last_signal: agent.lastExit?.signal ?? null,
      reason: agent.reason,
      autostart: config.autostart,
      depends_on: config.depends_on,
      next_start_at: nextStart(agent),
    }),
    summary: null,
    status: null,
  };
  agent.statusPieces = built;
  return built;
}

/** `JSON.stringify(summaryObject(agent, now))`, from cached pieces. */
export function summaryText(agent: Agent, now: number): string {
  const p = pieces(agent);
  const r = restarts(agent, now);
  const u = uptime(agent, now);
  const memo = p.summary;
  if (memo !== null && memo.restarts === r && memo.uptime === u) return memo.text;
  const text = p.head + r + ',"uptime_seconds":' + u + "}";
  p.summary = { restarts: r, uptime: u, beat: null, text };
  return text;
}

/** `JSON.stringify(statusObject(agent, now))`, from cached pieces. */
export function statusText(agent: Agent, now: number): string {
  const p = pieces(agent);
  const r = restarts(agent, now);
  const u = uptime(agent, now);
  const beat = heartbeat(agent, now);
  const memo = p.status;
  if (memo !== null && memo.restarts === r && memo.uptime === u && memo.beat === beat) {
    return memo.text;
  }
  const beatText = beat === null ? "null" : `"${isoTime(beat)}"`;
  const text = p.head + r + ',"uptime_seconds":' + u + p.middle + beatText + p.tail;
  p.status = { restarts: r, uptime: u, beat, text };
  return text;
}

/**
 * The `{"agents":[…]}` answer of `ps` (`status: false`) or `status`,
 * remembered with the agent texts it joined: while every agent's text is the
 * same, {@linkcode AgentsAnswer.get} returns the same answer object, so
 * what was derived from it (the server's encoded frame) is reused.
 */
export class AgentsAnswer<T> {
  readonly #status: boolean;
  readonly #wrap: (text: string) => T;
  #texts: string[] = [];
  #answer: T | null = null;

  /** `wrap` makes the answer object of a new text. */
  constructor(status: boolean, wrap: (text: string) => T) {
    this.#status = status;
    this.#wrap = wrap;
  }

  /** The answer for `agents` at `now`: the previous object when no agent's text changed. */
  get(agents: readonly Agent[], now: number): T {
    const texts = this.#texts;
    let same = this.#answer !== null && texts.length === agents.length;
    for (let i = 0; i < agents.length; i++) {
      const text = this.#status ? statusText(agents[i], now) : summaryText(agents[i], now);
      if (same && text !== texts[i]) same = false;
      texts[i] = text;
    }
    texts.length = agents.length;
    if (same) return this.#answer!;
    let text = '{"agents":[';
    for (let i = 0; i < texts.length; i++) text += i === 0 ? texts[i] : "," + texts[i];
    this.#answer = this.#wrap(text + "]}");
    return this.#answer;
  }
}

/** `{"agents":[…]}` of every agent's summary (`ps`) or status text. */
export function agentsText(agents: readonly Agent[], now: number, status: boolean): string {
  return new AgentsAnswer(status, (text) => text).get(agents, now);
}
