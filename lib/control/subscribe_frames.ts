/**
 * The frames the server pushes on a subscribed connection (docs/protocol.md,
 * "subscribe"): each a JSON object whose `type` says what it is. Pure
 * functions returning JSON text.
 *
 * @module
 */

import type { OrchestratorEvent } from "../events/event.ts";
import type { OutputStream } from "../agent/output_observer.ts";

/** `{"type":"event", …the stored event's fields}`: `id` is the resume cursor. */
export function eventFrame(event: OrchestratorEvent): string {
  return `{"type":"event",${JSON.stringify(event).slice(1)}`;
}

/** `{"type":"log","agent","stream","timestamp","line"}`: one output line. */
export function logFrame(
  agent: string,
  stream: OutputStream,
  timestamp: string,
  line: string,
): string {
  return `{"type":"log","agent":${
    JSON.stringify(agent)
  },"stream":"${stream}","timestamp":"${timestamp}","line":${JSON.stringify(line)}}`;
}

/** `{"type":"snapshot", …the agent's status}`: one agent's state when the subscription began. */
export function snapshotFrame(status: object): string {
  return `{"type":"snapshot",${JSON.stringify(status).slice(1)}`;
}

/**
 * `{"type":"snapshot_end","last_id"}` after the snapshot; `{"type":"heartbeat",
 * "timestamp","last_id"}`. `last_id`: every event up to it that passes the
 * subscription's filter was sent before this frame.
 */
export function markFrame(type: "snapshot_end" | "heartbeat", lastId: number, timestamp?: string) {
  return timestamp === undefined
    ? `{"type":"${type}","last_id":${lastId}}`
    : `{"type":"${type}","timestamp":"${timestamp}","last_id":${lastId}}`;
}

/**
 * `{"type":"overflow","last_id","error"}`: the subscriber did not read fast
 * enough; the connection closes after this frame. Every event up to
 * `last_id` that passes the filter was sent before it: resume with `since`.
 */
export function overflowFrame(lastId: number, error: string): string {
  return `{"type":"overflow","last_id":${lastId},"error":${JSON.stringify(error)}}`;
}
