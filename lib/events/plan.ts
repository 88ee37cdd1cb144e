/**
 * Query planning for the event store: turns a normalized history query into
 * SQL whose cost is bounded by the `limit`, not by the table size. Pure
 * functions (the one lookup, {@linkcode firstIdAtOrAfter}, takes its probe
 * as a callback).
 *
 * The schema has two indexes (lib/events/schema.ts): `(event_name)` and
 * `(agent_name, event_name)`; each is ordered by its columns and then the id.
 *
 * - `since`/`until` become an id range first: the store keeps timestamps
 *   non-decreasing in id order, so a binary search over ids finds the first
 *   id at or after a time (about 20 primary-key lookups for a million rows).
 * - `event` (with or without `agent`): one index walk, newest first, stopping
 *   after `limit` rows inside the id range.
 * - `category` (a fixed set of event names) and `agent` alone (all event
 *   names): one such walk per event name, each with the limit, merged by id
 *   (`UNION ALL … ORDER BY id DESC LIMIT n`). At most 13 walks of `limit` ids.
 * - `category` with an `event` of another category: nothing matches; no SQL.
 *
 * @module
 */

import { EVENT_CATEGORIES, type EventName } from "./event.ts";
import type { NormalizedQuery } from "./query.ts";

/** Every known event name, in declaration order. */
export const ALL_EVENT_NAMES: readonly EventName[] = Object.keys(EVENT_CATEGORIES) as EventName[];

/** Ids `from` (inclusive) to `to` (exclusive). */
export interface IdRange {
  from: number;
  to: number;
}

/** An id range that holds every event. */
export const ALL_IDS: IdRange = { from: 0, to: Number.MAX_SAFE_INTEGER };

/** A statement to run: `shape` identifies `sql` (for caching prepared statements). */
export interface SqlPlan {
  shape: string;
  sql: string;
  params: (string | number)[];
}

/** The filters of a query, without `limit`. */
export type QueryFilters = Omit<NormalizedQuery, "limit">;

/**
 * The event names a query can match: `null` = any name (no name filter),
 * `[]` = none (a category and an event of another category).
 */
export function matchingEventNames(query: QueryFilters): readonly EventName[] | null {
  if (query.event !== undefined) {
    return query.category === undefined || EVENT_CATEGORIES[query.event] === query.category
      ? [query.event]
      : [];
  }
  if (query.category === undefined) return null;
  return ALL_EVENT_NAMES.filter((name) => EVENT_CATEGORIES[name] === query.category);
}

/**
 * The `SELECT` for a query, newest first, reading at most `limit` ids per
 * index walk; `null` when nothing can match. `range` is the id range of the
 * query's `since`/`until` ({@linkcode ALL_IDS} without them).
 */
export function planSelect(
  query: NormalizedQuery,
  range: IdRange,
  columns: string,
): SqlPlan | null {
  let names = matchingEventNames(query);
  if (names !== null && names.length === 0) return null;
  if (range.from >= range.to) return null;
  const agent = query.agent;
  if (names === null && agent === undefined) {
    return {
      shape: "all",
      sql: `SELECT ${columns} FROM events WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT ?`,
      params: [range.from, range.to, query.limit],
    };
  }
  names ??= ALL_EVENT_NAMES;
  const index = agent === undefined ? "events_by_name" : "events_by_agent_name";
  const filter = agent === undefined ? "event_name = ?" : "agent_name = ? AND event_name = ?";
  const walkParams = (name: EventName): (string | number)[] =>
    agent === undefined
      ? [name, range.from, range.to, query.limit]
      : [agent, name, range.from, range.to, query.limit];
  const walk = (select: string) =>
    `SELECT ${select} FROM events INDEXED BY ${index} WHERE ${filter} AND id >= ? AND id < ? ` +
    "ORDER BY id DESC LIMIT ?";
  const shape = `${agent === undefined ? "n" : "an"}${names.length}`;
  if (names.length === 1) {
    return { shape, sql: walk(columns), params: walkParams(names[0]) };
  }
  const merged = names.map(() => `SELECT id FROM (${walk("id")})`).join(" UNION ALL ");
  return {
    shape,
    sql: `SELECT ${columns} FROM events WHERE id IN (${merged} ORDER BY id DESC LIMIT ?) ` +
      "ORDER BY id DESC LIMIT ?",
    params: [...names.flatMap(walkParams), query.limit, query.limit],
  };
}

/** The `SELECT COUNT(*) AS n` for a query's filters; `null` when nothing can match. */
export function planCount(query: QueryFilters, range: IdRange): SqlPlan | null {
  const names = matchingEventNames(query);
  if (names !== null && names.length === 0) return null;
  if (range.from >= range.to) return null;
  const parts: string[] = [];
  const params: (string | number)[] = [];
  let shape = "";
  if (query.agent !== undefined) {
    parts.push("agent_name = ?");
    params.push(query.agent);
    shape += "a";
  }
  if (names !== null) {
    parts.push(`event_name IN (${names.map(() => "?").join(", ")})`);
    params.push(...names);
    shape += `n${names.length}`;
  }
  if (query.since !== undefined || query.until !== undefined) {
    parts.push("id >= ? AND id < ?");
    params.push(range.from, range.to);
    shape += "r";
  }
  const where = parts.length === 0 ? "" : ` WHERE ${parts.join(" AND ")}`;
  return { shape, sql: `SELECT COUNT(*) AS n FROM events${where}`, params };
}

/**
 * The smallest id `x` in `[lo, hi]` such that the first event at or after id
 * `x` has a timestamp ≥ `target` (`hi` when there is none, e.g. `hi` = the
 * newest id + 1). Every event with an id below the result is older than
 * `target`, every one from it on is not — provided timestamps never decrease
 * with ids, which the store guarantees. Gaps in the ids do not matter.
 *
 * `probe(x)` returns the timestamp of the first event with id ≥ `x`, or
 * `null` if there is none. Calls it about log2(hi − lo) times.
 */
export function firstIdAtOrAfter(
  target: string,
  lo: number,
  hi: number,
  probe: (id: number) => string | null,
): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const timestamp = probe(mid);
    if (timestamp === null || timestamp >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The id range of a query's `since` (inclusive) and `until` (exclusive), given
 * the oldest and newest stored ids (`null` when empty) and a probe as for
 * {@linkcode firstIdAtOrAfter}.
 */
export function idRange(
  query: QueryFilters,
  bounds: { oldest: number | null; newest: number | null },
  probe: (id: number) => string | null,
): IdRange {
  if (query.since === undefined && query.until === undefined) return ALL_IDS;
  if (bounds.oldest === null || bounds.newest === null) return { from: 0, to: 0 };
  const end = bounds.newest + 1;
  const from = query.since === undefined
    ? bounds.oldest
    : firstIdAtOrAfter(query.since, bounds.oldest, end, probe);
  const to = query.until === undefined ? end : firstIdAtOrAfter(query.until, from, end, probe);
  return { from, to };
}
