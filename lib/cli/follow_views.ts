/**
 * What `history -f` and `logs -f` print, one line per event or output line
 * (docs/protocol.md, "The `orchestrator` client"), and where a resumed
 * subscription starts. Pure functions.
 *
 * @module
 */

import { escapeControls } from "./escape.ts";
import { type FormatOptions, keyValuePairs, paint } from "./format.ts";

/** An event as `history` answers it and `subscribe` pushes it. */
export interface EventLine {
  id: number;
  event_name: string;
  agent_name: string | null;
  timestamp: string;
  data: Record<string, unknown>;
}

/** A `log` frame's fields, or a backlog line (`timestamp` null: the `logs` answer has none). */
export interface LogLine {
  agent: string;
  stream: string;
  timestamp: string | null;
  line: string;
}

/** Width of the event name column: the longest name (`ORCHESTRATOR_SHUTDOWN`). */
const EVENT_WIDTH = 21;
/** Width of a millisecond ISO timestamp, the time column. */
const TIME_WIDTH = 24;

/**
 * One event: `TIME EVENT AGENT key=value…`, the columns of `history` at
 * fixed widths (a stream cannot measure its rows first).
 *
 * @example
 * ```ts
 * formatEventLine({ id: 3, event_name: "AGENT_READY", agent_name: "web",
 *   timestamp: "2025-07-27T10:30:00.000Z", data: { pid: 42 } }, { color: false });
 * // "2025-07-27T10:30:00.000Z  AGENT_READY            web  pid=42"
 * ```
 */
export function formatEventLine(e: EventLine, o: FormatOptions): string {
  return [
    paint(e.timestamp, "dim", o.color),
    e.event_name.padEnd(EVENT_WIDTH),
    e.agent_name ?? "-",
    keyValuePairs(e.data),
  ].join("  ");
}

/**
 * One output line: `TIME AGENT STREAM | line`, or the line alone without
 * `prefix`. Control characters are shown escaped unless `raw`; a backlog
 * line (no timestamp) shows `-` for the time.
 */
export function formatLogLine(
  l: LogLine,
  o: FormatOptions & { prefix: boolean; raw: boolean },
): string {
  const line = o.raw ? l.line : escapeControls(l.line);
  if (!o.prefix) return line;
  const time = paint((l.timestamp ?? "-").padEnd(TIME_WIDTH), "dim", o.color);
  const stream = l.stream === "stderr" ? paint(l.stream, "red", o.color) : l.stream;
  return `${time} ${escapeControls(l.agent)} ${stream} | ${line}`;
}

/** The run of the orchestrator a subscription answer names: its `ORCHESTRATOR_STARTED` event. */
export interface RunMark {
  id: number;
  started_at: string;
}

/**
 * Where a resumed event subscription must start, given the cursor (the last
 * event id received), the run seen before and the run the new answer names:
 * `null` when `since: cursor` was right; else the id to resume after. The
 * orchestrator restarted with a store that does not continue the old ids (in
 * memory, or a file whose last events were never committed) when its new
 * run's start event has an id at or below the cursor: then everything from
 * that start event on is new.
 *
 * @example
 * ```ts
 * resumeAfter(120, { id: 1, started_at: "a" }, { id: 1, started_at: "b" }); // 0
 * resumeAfter(120, { id: 1, started_at: "a" }, { id: 1, started_at: "a" }); // null (same run)
 * ```
 */
export function resumeAfter(
  cursor: number,
  before: RunMark | null,
  now: RunMark | null,
): number | null {
  if (before === null || now === null) return null;
  if (before.id === now.id && before.started_at === now.started_at) return null;
  return now.id <= cursor ? now.id - 1 : null;
}

/** Milliseconds to wait before reconnect attempt `attempt` (0, 1, …): 100 ms doubling to 2 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(2000, 100 * 2 ** Math.min(attempt, 5));
}
