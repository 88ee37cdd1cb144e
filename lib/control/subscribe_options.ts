/**
 * The options of a `subscribe` request (docs/protocol.md, "subscribe"),
 * checked: every problem is a 400 naming the option. Pure.
 *
 * @module
 */

import { badRequest } from "../errors.ts";
import type { EventFilter } from "../events/event.ts";
import {
  agentFilter,
  categoryNamed,
  describeValue as describe,
  eventNamed,
  unknownOption,
} from "../events/option_values.ts";
import { MAX_LIST } from "../protocol/limits.ts";
import type { ControlRequest } from "./protocol.ts";

/** Seconds between heartbeats when the request does not say. */
export const HEARTBEAT_DEFAULT_S = 5;
/** Shortest heartbeat period a request may ask for, in seconds. */
export const HEARTBEAT_MIN_S = 0.05;
/** Longest heartbeat period a request may ask for, in seconds. */
export const HEARTBEAT_MAX_S = 3600;

const OPTION_NAMES = [
  "categories",
  "agents",
  "events",
  "logs",
  "since",
  "snapshot",
  "heartbeat",
] as const;

/** A checked `subscribe` request. */
export interface SubscribeOptions {
  /** Which events to send (see `EventFilter`). */
  filter: EventFilter;
  /** Agents whose output lines to send: `"all"`, a list, or `null` for none. */
  logs: "all" | readonly string[] | null;
  /** Send the stored events after this id first; `null`: only events from now on. */
  since: number | null;
  /** Send one `snapshot` frame per agent, then `snapshot_end`, first. */
  snapshot: boolean;
  /** Seconds between heartbeats. */
  heartbeat: number;
}

/**
 * Checks a `subscribe` request: no args; options `categories`, `agents`,
 * `events` (arrays, or `null`), `logs` (`true`, an array of agent names, or
 * `false`/`null`), `since` (an event id, integer ≥ 0), `snapshot` (boolean),
 * `heartbeat` (seconds). Names of categories and events are case-insensitive.
 *
 * @example
 * ```ts
 * subscribeOptions({ command: "subscribe", args: [], options: { categories: ["AGENT"], since: 7 } });
 * // { filter: { categories: ["agent"] }, logs: null, since: 7, snapshot: false, heartbeat: 5 }
 * ```
 */
export function subscribeOptions(request: ControlRequest): SubscribeOptions {
  if (request.args.length > 0) throw badRequest("Command 'subscribe' takes no arguments");
  const o = request.options;
  const unknown = unknownOption(o, OPTION_NAMES);
  if (unknown !== undefined) {
    throw badRequest(
      `Unknown option "${unknown}" for command 'subscribe' (known: ${OPTION_NAMES.join(", ")})`,
    );
  }
  const filter: EventFilter = {};
  const categories = list(
    o.categories,
    "categories",
    categoryNamed,
    `"agent", "command" or "system"`,
  );
  if (categories !== null) filter.categories = categories;
  const events = list(o.events, "events", eventNamed, "event names such as AGENT_FAILED");
  if (events !== null) filter.events = events;
  const agents = list(o.agents, "agents", agentFilter, "agent names");
  if (agents !== null) filter.agents = agents;
  return {
    filter,
    logs: logsOption(o.logs),
    since: sinceOption(o.since),
    snapshot: flag(o.snapshot, "snapshot"),
    heartbeat: heartbeatOption(o.heartbeat),
  };
}

/** A list option: `undefined`/`null` → `null`; each item checked by `item`. */
function list<T>(
  value: unknown,
  option: string,
  item: (value: unknown) => T | undefined,
  expected: string,
): T[] | null {
  if (value === undefined || value === null) return null;
  const problem = () =>
    badRequest(
      `Invalid subscribe option "${option}": expected an array of at most ${MAX_LIST} ${expected}`,
      { option },
    );
  if (!Array.isArray(value) || value.length > MAX_LIST) throw problem();
  const out = new Set<T>();
  for (const v of value) {
    const checked = item(v);
    if (checked === undefined) {
      throw badRequest(
        `Invalid subscribe option "${option}": ${describe(v)} is not one of ${expected}`,
        { option },
      );
    }
    out.add(checked);
  }
  return [...out];
}

function logsOption(value: unknown): "all" | string[] | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return "all";
  return list(value, "logs", agentFilter, "agent names (or true for every agent)");
}

function sinceOption(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw badRequest(
      `Invalid subscribe option "since": expected an event id (an integer ≥ 0), got ${
        describe(value)
      }`,
      { option: "since" },
    );
  }
  return value as number;
}

function flag(value: unknown, option: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") {
    throw badRequest(
      `Invalid subscribe option "${option}": expected true or false, got ${describe(value)}`,
      { option },
    );
  }
  return value;
}

function heartbeatOption(value: unknown): number {
  if (value === undefined || value === null) return HEARTBEAT_DEFAULT_S;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < HEARTBEAT_MIN_S ||
    value > HEARTBEAT_MAX_S
  ) {
    throw badRequest(
      `Invalid subscribe option "heartbeat": expected seconds from ${HEARTBEAT_MIN_S} to ${HEARTBEAT_MAX_S}, got ${
        describe(value)
      }`,
      { option: "heartbeat" },
    );
  }
  return value;
}
