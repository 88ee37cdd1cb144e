/**
 * History query options: validation (user input from the control socket goes
 * straight in). Pure functions; lib/events/plan.ts turns them into SQL.
 *
 * @module
 */

import { badRequest } from "../errors.ts";
import { MAX_LIST } from "../protocol/limits.ts";
import { capText } from "../text_cap.ts";
import { EVENT_CATEGORIES, EVENT_CATEGORY_NAMES, type EventCategory } from "./event.ts";
import type { EventName } from "./event.ts";
import {
  agentFilter,
  categoryNamed,
  describeValue as describe,
  eventNamed,
  MAX_AGENT_FILTER,
  unknownOption,
} from "./option_values.ts";

/** Rows returned when `limit` is not given. */
export const QUERY_LIMIT_DEFAULT = 100;

const OPTION_NAMES = ["limit", "category", "agent", "event", "since", "until"] as const;
const RELATIVE = /^(\d{1,9})(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const ISO_START = /^(\d{4})-(\d{2})-(\d{2})/;

/** A validated query: `limit` set, timestamps in canonical ISO form. */
export interface NormalizedQuery {
  limit: number;
  category?: EventCategory;
  agent?: string;
  event?: EventName;
  /** Canonical ISO (`toISOString()`), inclusive. */
  since?: string;
  /** Canonical ISO (`toISOString()`), exclusive. */
  until?: string;
}

/**
 * Validates history options as a user sent them and returns them normalized.
 * Throws `OrchestratorError(400)` with a clear message for anything wrong.
 *
 * - `limit`: integer ≥ 1 (a decimal string is accepted); default 100; above
 *   10,000 it is clamped to 10,000.
 * - `category`: `agent` | `command` | `system` (case-insensitive).
 * - `event`: an event name such as `AGENT_STARTED` (case-insensitive).
 * - `agent`: an agent name (exact match).
 * - `since` (inclusive) / `until` (exclusive): an ISO 8601 timestamp
 *   (`2025-07-27`, `2025-07-27T10:30:00Z`, with offset …) or a duration
 *   before `now`: `500ms`, `30s`, `15m`, `2h`, `7d`.
 * - Any other key is an error (catches typos such as `categroy`).
 *
 * @example
 * ```ts
 * normalizeQuery({ limit: "50", category: "AGENT" }, new Date());
 * // { limit: 50, category: "agent" }
 * ```
 */
export function normalizeQuery(query: unknown, now: Date): NormalizedQuery {
  if (query === undefined || query === null) return { limit: QUERY_LIMIT_DEFAULT };
  if (typeof query !== "object" || Array.isArray(query)) {
    throw badRequest(`Invalid history options: expected an object, got ${describe(query)}`);
  }
  const input = query as Record<string, unknown>;
  const unknown = unknownOption(input, OPTION_NAMES);
  if (unknown !== undefined) {
    throw badRequest(
      `Unknown history option "${capText(unknown)}": expected one of ${OPTION_NAMES.join(", ")}`,
      { option: capText(unknown) },
    );
  }
  const result: NormalizedQuery = { limit: normalizeLimit(input.limit) };
  if (input.category !== undefined) result.category = normalizeCategory(input.category);
  if (input.event !== undefined) result.event = normalizeEventName(input.event);
  if (input.agent !== undefined) result.agent = normalizeAgent(input.agent);
  if (input.since !== undefined) result.since = normalizeTime("since", input.since, now);
  if (input.until !== undefined) result.until = normalizeTime("until", input.until, now);
  return result;
}

/**
 * Parses a timestamp given by a producer or a user: ISO 8601 (a date, or a
 * date and time with `Z` or an offset) → canonical `toISOString()` form, or
 * `null` when it is not one.
 */
export function parseIsoTimestamp(text: string): string | null {
  const day = ISO_START.exec(text);
  if (day === null) return null;
  const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
  if (
    month < 1 || month > 12 || date < 1 || date > new Date(Date.UTC(year, month, 0)).getUTCDate()
  ) {
    return null;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const parsed = new Date(ms);
  const utcYear = parsed.getUTCFullYear();
  return utcYear < 0 || utcYear > 9999 ? null : parsed.toISOString();
}

function normalizeLimit(value: unknown): number {
  if (value === undefined || value === null) return QUERY_LIMIT_DEFAULT;
  const n = typeof value === "string" && /^\d{1,15}$/.test(value.trim())
    ? Number(value.trim())
    : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw badRequest(
      `Invalid history limit ${describe(value)}: expected an integer from 1 to ${MAX_LIST}`,
      { option: "limit" },
    );
  }
  return Math.min(n, MAX_LIST);
}

function normalizeCategory(value: unknown): EventCategory {
  const found = categoryNamed(value);
  if (found === undefined) {
    throw badRequest(
      `Invalid history category ${describe(value)}: expected one of ${
        EVENT_CATEGORY_NAMES.join(", ")
      }`,
      { option: "category" },
    );
  }
  return found;
}

function normalizeEventName(value: unknown): EventName {
  const found = eventNamed(value);
  if (found === undefined) {
    throw badRequest(
      `Invalid history event ${describe(value)}: expected one of ${
        Object.keys(EVENT_CATEGORIES).join(", ")
      }`,
      { option: "event" },
    );
  }
  return found;
}

function normalizeAgent(value: unknown): string {
  const agent = agentFilter(value);
  if (agent === undefined) {
    throw badRequest(
      `Invalid history agent ${
        describe(value)
      }: expected a non-empty agent name of at most ${MAX_AGENT_FILTER} characters`,
      { option: "agent" },
    );
  }
  return agent;
}

function normalizeTime(option: "since" | "until", value: unknown, now: Date): string {
  if (typeof value === "string") {
    const text = value.trim();
    const relative = RELATIVE.exec(text);
    if (relative !== null) {
      const ms = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
      return new Date(now.getTime() - ms).toISOString();
    }
    const iso = parseIsoTimestamp(text);
    if (iso !== null) return iso;
  }
  throw badRequest(
    `Invalid history ${option} ${
      describe(value)
    }: expected an ISO 8601 timestamp (2025-07-27T10:30:00Z) or a duration such as 15m, 2h, 7d`,
    { option },
  );
}
