/**
 * The frames a `subscribe` request makes the orchestrator push
 * (docs/protocol.md, `subscribe`), read into what `top` uses: agent
 * snapshots, events, log lines, and the frames that only say the stream is
 * alive or over. Pure and lenient: a frame of an unknown type, or without
 * the fields `top` needs, is `null` (skipped).
 *
 * @module
 */

import type { AgentRow, LogLine, TopEvent } from "./model.ts";

/** A pushed frame, as `top` reads it. */
export type Pushed =
  | { kind: "snapshot"; row: AgentRow }
  | { kind: "snapshot_end" }
  | { kind: "event"; event: TopEvent }
  | { kind: "log"; agent: string; line: LogLine }
  | { kind: "heartbeat" }
  | { kind: "overflow" };

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An agent row from an object with a name and a state (`name` or `agent_name`). */
export function agentRow(value: unknown): AgentRow | null {
  if (!isObject(value)) return null;
  const name = typeof value.name === "string" ? value.name : value.agent_name;
  if (typeof name !== "string" || typeof value.state !== "string") return null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    name,
    state: value.state,
    pid: num(value.pid),
    restarts: num(value.restarts) ?? 0,
    uptime_seconds: num(value.uptime_seconds),
    cpu_percent: num(value.cpu_percent),
    memory_bytes: num(value.memory_bytes),
  };
}

/** A stored event (`id`, `event_name`, `timestamp` required). */
export function topEvent(value: unknown): TopEvent | null {
  if (!isObject(value)) return null;
  const { id, event_name, timestamp } = value;
  if (typeof id !== "number" || typeof event_name !== "string" || typeof timestamp !== "string") {
    return null;
  }
  return {
    id,
    event_name,
    agent_name: typeof value.agent_name === "string" ? value.agent_name : null,
    timestamp,
    data: isObject(value.data) ? value.data : {},
  };
}

/**
 * Reads one pushed frame. The record of a `snapshot` or `event` frame may
 * be the frame itself or nested (`agent`, `data`, `event`).
 *
 * @example
 * ```ts
 * parsePushed({ type: "log", agent: "web", stream: "stderr", line: "oops" });
 * // { kind: "log", agent: "web", line: { stream: "stderr", text: "oops" } }
 * ```
 */
export function parsePushed(value: unknown): Pushed | null {
  if (!isObject(value)) return null;
  switch (value.type) {
    case "snapshot": {
      const row = [value.agent, value.data, value.status, value].map(agentRow)
        .find((r) => r !== null);
      return row === undefined ? null : { kind: "snapshot", row };
    }
    case "snapshot_end":
      return { kind: "snapshot_end" };
    case "event": {
      const event = topEvent(value.event) ?? topEvent(value.data) ?? topEvent(value);
      return event === null ? null : { kind: "event", event };
    }
    case "log": {
      const { agent, stream, line } = value;
      if (typeof agent !== "string" || typeof line !== "string") return null;
      return {
        kind: "log",
        agent,
        line: { stream: stream === "stderr" ? "stderr" : "stdout", text: line },
      };
    }
    case "heartbeat":
      return { kind: "heartbeat" };
    case "overflow":
      return { kind: "overflow" };
    default:
      return null;
  }
}
