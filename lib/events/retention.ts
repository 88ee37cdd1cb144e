/**
 * Retention of the event store (`event_retention`, docs/events.md
 * "Retention"): which old events each commit deletes. Two forms:
 *
 * - a number N: the newest N events in total are kept. Ids are contiguous,
 *   so the events beyond it are one id range, deleted by rowid.
 * - `{agent, command, system}`: the newest N of each category are kept, so a
 *   client polling `status` (one `COMMAND_EXECUTED` per request) never pushes
 *   agent history out. The count of each category is read once at open (one
 *   walk of the `events_by_name` index) and kept up to date by the commits;
 *   the oldest events of a category are found by walking that index
 *   oldest first, one walk per event name of the category.
 *
 * Either way a commit deletes at most one bounded chunk per category, inside
 * its own transaction, so no commit pauses for a time proportional to the
 * table; an excess (a lowered limit on an existing file) goes in such chunks
 * over the following commits.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { OrchestratorError } from "../errors.ts";
import { EVENT_CATEGORIES, EVENT_CATEGORY_NAMES, type EventCategory } from "./event.ts";
import type { EventName } from "./event.ts";

/** Per-category limits (each an integer ≥ 1). */
export type CategoryRetention = Readonly<Record<EventCategory, number>>;

/** `event_retention`: newest events kept in total, or per category. */
export type Retention = number | CategoryRetention;

/** `event_retention` as given: a category the object leaves out takes {@linkcode DEFAULT_CATEGORY_RETENTION}. */
export type RetentionOption = number | Readonly<Partial<Record<EventCategory, number>>>;

/** A limit a category takes when the object form leaves it out. */
export const DEFAULT_CATEGORY_RETENTION = 100_000;

/**
 * Validates a retention option: an integer ≥ 1, or an object with some of
 * the keys `agent`, `command` and `system`, each an integer ≥ 1; a missing
 * key takes {@linkcode DEFAULT_CATEGORY_RETENTION}.
 *
 * @throws {OrchestratorError} 500 naming the store (`where`) and what is wrong.
 */
export function checkRetention(value: unknown, where: string): Retention {
  const fail = (detail: string) =>
    new OrchestratorError(500, `Invalid option "retention" of ${where}: ${detail}`);
  const valid = (n: unknown) =>
    typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= Number.MAX_SAFE_INTEGER;
  const range = `an integer from 1 to ${Number.MAX_SAFE_INTEGER}`;
  if (typeof value === "number") {
    if (!valid(value)) throw fail(`expected ${range}, got ${value}`);
    return value;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw fail(`expected ${range} or {agent, command, system}, got ${String(value)}`);
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!(EVENT_CATEGORY_NAMES as readonly string[]).includes(key)) {
      throw fail(`unknown category "${key}": expected agent, command or system`);
    }
  }
  const limits = {} as Record<EventCategory, number>;
  for (const category of EVENT_CATEGORY_NAMES) {
    const n = object[category] ?? DEFAULT_CATEGORY_RETENTION;
    if (!valid(n)) {
      throw fail(`expected "${category}" to be ${range}, got ${String(n)}`);
    }
    limits[category] = n as number;
  }
  return limits;
}

/** Deletes the events beyond retention, one bounded chunk per commit. */
export interface Pruner {
  /** Notes events inserted by the commit under way (their names, in id order; `nextId` after them). */
  added(names: readonly EventName[], nextId: number): void;
  /** Deletes the next chunk beyond retention (inside the commit's transaction). */
  step(): void;
  /** Forgets what `added` and `step` noted since the last `commit` (the transaction rolled back). */
  rollback(): void;
  /** The transaction committed: what was noted holds. */
  commit(): void;
}

/** Opens the pruner for `retention` on an open database whose newest id is `nextId - 1`. */
export function openPruner(
  db: DatabaseSync,
  retention: Retention,
  options: { nextId: number; oldestId: number; chunk: number },
): Pruner {
  return typeof retention === "number"
    ? new TotalPruner(db, retention, options)
    : new CategoryPruner(db, retention, options.chunk);
}

/** A number: the newest `limit` ids are kept (ids are contiguous). */
class TotalPruner implements Pruner {
  #limit: number;
  #chunk: number;
  #nextId: number;
  /** Every id below this has been pruned. */
  #oldestId: number;
  #committedOldest: number;
  #prune: StatementSync;

  constructor(
    db: DatabaseSync,
    limit: number,
    options: { nextId: number; oldestId: number; chunk: number },
  ) {
    this.#limit = limit;
    this.#chunk = options.chunk;
    this.#nextId = options.nextId;
    this.#oldestId = this.#committedOldest = options.oldestId;
    this.#prune = db.prepare("DELETE FROM events WHERE id >= ? AND id <= ?");
  }

  added(_names: readonly EventName[], nextId: number): void {
    this.#nextId = nextId;
  }

  step(): void {
    const cutoff = this.#nextId - 1 - this.#limit;
    if (cutoff < this.#oldestId) return;
    const upTo = Math.min(cutoff, this.#oldestId + this.#chunk - 1);
    this.#prune.run(this.#oldestId, upTo);
    this.#oldestId = upTo + 1;
  }

  rollback(): void {
    this.#oldestId = this.#committedOldest;
  }

  commit(): void {
    this.#committedOldest = this.#oldestId;
  }
}

/** An object: the newest events of each category are kept, each up to its limit. */
class CategoryPruner implements Pruner {
  #limits: CategoryRetention;
  #chunk: number;
  #counts: Record<EventCategory, number>;
  #committed: Record<EventCategory, number>;
  #deletes: Map<EventCategory, { statement: StatementSync; names: EventName[] }>;

  constructor(db: DatabaseSync, limits: CategoryRetention, chunk: number) {
    this.#limits = limits;
    this.#chunk = chunk;
    this.#counts = { agent: 0, command: 0, system: 0 };
    const rows = db.prepare(
      "SELECT event_name, COUNT(*) AS n FROM events INDEXED BY events_by_name GROUP BY event_name",
    ).all() as { event_name: string; n: number }[];
    for (const row of rows) {
      const category = (EVENT_CATEGORIES as Record<string, EventCategory>)[row.event_name];
      if (category !== undefined) this.#counts[category] += row.n;
    }
    this.#committed = { ...this.#counts };
    this.#deletes = new Map(EVENT_CATEGORY_NAMES.map((category) => {
      const names = (Object.keys(EVENT_CATEGORIES) as EventName[])
        .filter((name) => EVENT_CATEGORIES[name] === category);
      return [category, { statement: db.prepare(oldestOfNamesSql(names.length)), names }];
    }));
  }

  added(names: readonly EventName[]): void {
    for (const name of names) this.#counts[EVENT_CATEGORIES[name]]++;
  }

  step(): void {
    for (const category of EVENT_CATEGORY_NAMES) {
      const excess = this.#counts[category] - this.#limits[category];
      if (excess <= 0) continue;
      const n = Math.min(excess, this.#chunk);
      const { statement, names } = this.#deletes.get(category)!;
      const params: (string | number)[] = names.flatMap((name) => [name, n]);
      params.push(n);
      const result = statement.run(...params);
      this.#counts[category] -= Number(result.changes);
    }
  }

  rollback(): void {
    this.#counts = { ...this.#committed };
  }

  commit(): void {
    this.#committed = { ...this.#counts };
  }
}

/**
 * `DELETE` of the `n` oldest events among `count` event names: one walk of
 * `events_by_name` per name, oldest first, each stopping after `n` ids,
 * merged by id. Parameters: (name, n) per name, then n.
 */
export function oldestOfNamesSql(count: number): string {
  const walk = "SELECT id FROM (SELECT id FROM events INDEXED BY events_by_name " +
    "WHERE event_name = ? ORDER BY id LIMIT ?)";
  return `DELETE FROM events WHERE id IN (${
    new Array(count).fill(walk).join(" UNION ALL ")
  } ORDER BY id LIMIT ?)`;
}
