/**
 * The values a client may name events by, checked the same way for
 * `history` (lib/events/query.ts) and `subscribe`
 * (lib/control/subscribe_options.ts; docs/protocol.md): categories and
 * event names case-insensitively, agent names exactly and bounded, and a
 * value quoted for an error message. Pure.
 *
 * @module
 */

import { EVENT_CATEGORIES, EVENT_CATEGORY_NAMES, type EventCategory } from "./event.ts";
import type { EventName } from "./event.ts";

/** Longest agent name accepted in a filter, in characters. */
export const MAX_AGENT_FILTER = 256;

/** The category `value` names (`"AGENT"` → `"agent"`), or `undefined`. */
export function categoryNamed(value: unknown): EventCategory | undefined {
  const lower = typeof value === "string" ? value.toLowerCase() : undefined;
  return EVENT_CATEGORY_NAMES.find((c) => c === lower);
}

/** The event `value` names (`"agent_failed"` → `"AGENT_FAILED"`), or `undefined`. */
export function eventNamed(value: unknown): EventName | undefined {
  const upper = typeof value === "string" ? value.toUpperCase() : "";
  return Object.hasOwn(EVENT_CATEGORIES, upper) ? upper as EventName : undefined;
}

/** `value` when it is a non-empty string of at most {@linkcode MAX_AGENT_FILTER} characters. */
export function agentFilter(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= MAX_AGENT_FILTER
    ? value
    : undefined;
}

/** The first key of `options` that is not in `known`, or `undefined`. */
export function unknownOption(
  options: Readonly<Record<string, unknown>>,
  known: readonly string[],
): string | undefined {
  return Object.keys(options).find((key) => !known.includes(key));
}

/**
 * `value` for an error message: a string quoted (cut at 80 characters), else
 * `null`, `an array`, `an object` or the value itself.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}
