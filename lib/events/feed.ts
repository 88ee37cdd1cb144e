/**
 * Live reading of the event store (`subscribe`, docs/protocol.md): the
 * filter of an {@linkcode EventFeed} reader, as a predicate on events and as
 * the SQL of `after`. Pure functions; the store (lib/events/store.ts)
 * implements the feed.
 *
 * @module
 */

import {
  EVENT_CATEGORIES,
  type EventFilter,
  type EventName,
  type OrchestratorEvent,
} from "./event.ts";

/**
 * The event names a filter lets through: `null` = every name, `[]` = none.
 *
 * @example
 * ```ts
 * filterEventNames({ categories: ["system"] }); // ["ORCHESTRATOR_STARTED", "ORCHESTRATOR_SHUTDOWN"]
 * ```
 */
export function filterEventNames(filter: EventFilter): readonly EventName[] | null {
  const { categories, events } = filter;
  if ((categories ?? null) === null && (events ?? null) === null) return null;
  const names = events ?? (Object.keys(EVENT_CATEGORIES) as EventName[]);
  return categories === undefined || categories === null
    ? [...new Set(names)]
    : [...new Set(names)].filter((name) => categories.includes(EVENT_CATEGORIES[name]));
}

/** True when `event` passes `filter`. */
export function passesFilter(filter: EventFilter, event: OrchestratorEvent): boolean {
  const { categories, agents, events } = filter;
  if (categories !== undefined && categories !== null && !categories.includes(event.category)) {
    return false;
  }
  if (events !== undefined && events !== null && !events.includes(event.event_name)) return false;
  if (agents !== undefined && agents !== null) {
    return event.agent_name !== null && agents.includes(event.agent_name);
  }
  return true;
}

/** The `SELECT` of `EventFeed.after`: `shape` names the statement text for caching. */
export interface AfterPlan {
  shape: string;
  sql: string;
  params: (string | number)[];
}

/**
 * The `SELECT` of the events after `id` that pass `filter`, oldest first, at
 * most `limit`: a walk of the primary key from `id`; `null` when nothing can
 * pass (an empty list in the filter).
 */
export function planAfter(
  filter: EventFilter,
  id: number,
  limit: number,
  columns: string,
): AfterPlan | null {
  const names = filterEventNames(filter);
  const agents = filter.agents ?? null;
  if ((names !== null && names.length === 0) || (agents !== null && agents.length === 0)) {
    return null;
  }
  const where = ["id > ?"];
  const params: (string | number)[] = [id];
  if (names !== null) {
    where.push(`event_name IN (${names.map(() => "?").join(", ")})`);
    params.push(...names);
  }
  if (agents !== null) {
    where.push(`agent_name IN (${agents.map(() => "?").join(", ")})`);
    params.push(...agents);
  }
  params.push(limit);
  return {
    shape: `n${names?.length ?? "*"}a${agents?.length ?? "*"}`,
    sql: `SELECT ${columns} FROM events WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`,
    params,
  };
}
