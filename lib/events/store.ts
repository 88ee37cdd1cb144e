/**
 * The event store: every event the orchestrator records, in SQLite
 * (`node:sqlite`). In memory by default; a file in WAL mode when
 * `event_store_path` is set. Appends are buffered and committed in one
 * transaction per batch (on a short timer, or when the batch is full), so a
 * producer never waits for the disk; `flush()` commits at once (the control
 * server calls it before answering a state-changing command). Retention
 * keeps the newest events, in total or per category, and prunes the rest in
 * bounded chunks (retention.ts). See docs/events.md.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { badRequest, OrchestratorError } from "../errors.ts";
import {
  EVENT_CATEGORIES,
  type EventFeed,
  type EventFilter,
  type EventListener,
  type EventName,
  type EventQuery,
  type EventSink,
  type NewEvent,
  type OrchestratorEvent,
} from "./event.ts";
import { openDatabase, type SyncLevel, writeError } from "./database.ts";
import { normalizeQuery, parseIsoTimestamp } from "./query.ts";
import { type IdRange, idRange, planCount, planSelect, type QueryFilters } from "./plan.ts";
import { encodeEventDataFast } from "./serialize.ts";
import { PendingEvents } from "./pending.ts";
import {
  checkRetention,
  openPruner,
  type Pruner,
  type Retention,
  type RetentionOption,
} from "./retention.ts";
import { planAfter } from "./feed.ts";
import { isoTime } from "../iso_time.ts";

/** Default time between background flushes, in milliseconds. */
export const DEFAULT_FLUSH_INTERVAL_MS = 25;

/** Default number of buffered events that triggers an immediate flush. */
export const DEFAULT_MAX_BATCH = 500;

/** Longest stored `agent_name`; a longer one is cut and ends with `…`. */
export const MAX_AGENT_NAME_LENGTH = 256;

/** Options of {@linkcode EventStore.open}. */
export interface EventStoreOptions {
  /** SQLite file (WAL mode, locked for this process); `null` = in memory. */
  path: string | null;
  /**
   * `event_retention`: an integer ≥ 1 keeps the newest N events in total;
   * `{agent, command, system}` keeps the newest N of each category (a
   * missing key: 100,000).
   */
  retention: RetentionOption;
  /** Milliseconds between background flushes. Default 25; 0 to 60,000. */
  flushIntervalMs?: number;
  /** Buffered events that trigger an immediate flush. Default 500; 1 to 100,000. */
  maxBatch?: number;
  /** Source of timestamps. Default `() => new Date()`. */
  clock?: () => Date;
  /**
   * `PRAGMA synchronous` of a file store. `"normal"` (default): a committed
   * event survives the orchestrator's crash or `kill -9`; an OS crash or
   * power loss may lose the last commits (never corrupts). `"full"`: an
   * fsync per commit, also survives power loss.
   */
  synchronous?: SyncLevel;
  /**
   * Called when a background flush fails (disk full, I/O error …). The events
   * stay buffered (up to 10 batches; then the oldest are dropped) and the
   * flush is retried with backoff. Default: print the message to stderr.
   */
  onError?: (error: OrchestratorError) => void;
}

interface EventRow {
  id: number;
  event_name: string;
  category: string;
  agent_name: string | null;
  timestamp: string;
  data: string;
}

const COLUMNS = "id, event_name, category, agent_name, timestamp, data";
/** Rows per multi-row INSERT in a flush: one statement call per 32 events is ~2× faster than one per event. */
const INSERT_ROWS = 32;
const MAX_RETRY_DELAY_MS = 5_000;

/**
 * A SQLite-backed {@linkcode EventSink}. Create with {@linkcode EventStore.open};
 * call {@linkcode EventStore.close} at shutdown (it commits what is buffered).
 *
 * @example
 * ```ts
 * const store = EventStore.open({ path: null, retention: 100_000 });
 * store.append({ event_name: "AGENT_STARTED", agent_name: "web", data: { pid: 42 } });
 * store.query({ category: "agent", limit: 10 }); // newest first
 * store.close();
 * ```
 */
export class EventStore implements EventSink, EventFeed {
  /** The database file, or `null` for an in-memory store. */
  readonly path: string | null;

  #db: DatabaseSync;
  #clock: () => Date;
  #flushIntervalMs: number;
  #maxBatch: number;
  #maxBuffered: number;
  #pruner: Pruner;
  #retention: Retention;
  #pruneChunk: number;
  #onError: (error: OrchestratorError) => void;
  #insert: StatementSync;
  #insertMany: StatementSync;
  /** Reused parameter list of `#insertMany`. */
  #manyParams: (string | number | null)[] = new Array(INSERT_ROWS * 6);
  #bounds: StatementSync;
  #probe: StatementSync;
  #selects = new Map<string, StatementSync>();
  #counts = new Map<string, StatementSync>();
  #buffer = new PendingEvents();
  #nextId: number;
  /** Timestamp (ms and ISO text) of the newest appended event; never decreases. */
  #lastMs = -Infinity;
  #lastIso = "";
  #defaultClock: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #dropped = 0;
  #closed = false;

  private constructor(db: DatabaseSync, options: ResolvedOptions) {
    this.#db = db;
    this.path = options.path;
    this.#retention = options.retention;
    this.#pruneChunk = Math.max(2 * options.maxBatch, 1000);
    this.#clock = options.clock;
    this.#defaultClock = options.clock === defaultClock;
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#maxBatch = options.maxBatch;
    this.#maxBuffered = options.maxBatch * 10;
    this.#onError = options.onError;
    this.#insert = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
    this.#insertMany = db.prepare(
      `INSERT INTO events (${COLUMNS}) VALUES ${
        new Array(INSERT_ROWS).fill("(?, ?, ?, ?, ?, ?)").join(", ")
      }`,
    );
    this.#bounds = db.prepare(
      "SELECT (SELECT MIN(id) FROM events) AS lo, (SELECT MAX(id) FROM events) AS hi",
    );
    this.#probe = db.prepare("SELECT timestamp FROM events WHERE id >= ? ORDER BY id LIMIT 1");
    const bounds = this.#bounds.get() as { lo: number | null; hi: number | null };
    this.#nextId = (bounds.hi ?? 0) + 1;
    this.#pruner = openPruner(db, options.retention, {
      nextId: this.#nextId,
      oldestId: bounds.lo ?? this.#nextId,
      chunk: this.#pruneChunk,
    });
    if (bounds.hi !== null) {
      const last = (this.#probe.get(bounds.hi) as { timestamp: string } | undefined)?.timestamp;
      const ms = last === undefined ? Number.NaN : Date.parse(last);
      if (!Number.isNaN(ms)) {
        this.#lastMs = ms;
        this.#lastIso = last!;
      }
    }
  }

  /**
   * Opens (creating and migrating if needed) the store. A file store takes an
   * exclusive lock on the file for as long as it is open.
   *
   * @throws {OrchestratorError} 500 naming the file when it cannot be opened:
   * missing directory, not writable, not a database, corrupt, from a newer
   * orchestrator, or locked by another process; also for invalid options.
   */
  static open(options: EventStoreOptions): EventStore {
    const resolved = resolveOptions(options);
    const db = openDatabase(resolved.path, resolved.synchronous);
    try {
      return new EventStore(db, resolved);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Events buffered and not yet committed. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Events dropped because background flushes kept failing while the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Records an event: assigns the next id, the category of its name and (if
   * not given) the current timestamp, and buffers it. Synchronous and O(1)
   * except every `maxBatch`-th call, which commits the batch. `data` that
   * cannot be serialised is stored with a replacement (see
   * `encodeEventData`); the returned event carries the data as stored.
   *
   * @throws {OrchestratorError} 400 for an unknown event name or a bad
   * timestamp; 503 after {@linkcode EventStore.close}.
   */
  append(event: NewEvent): OrchestratorEvent {
    const name = this.#checkName(event.event_name);
    const encoded = encodeEventDataFast(event.data);
    const json = encoded.json;
    const stored: OrchestratorEvent = {
      id: this.#nextId,
      event_name: name,
      category: EVENT_CATEGORIES[name],
      agent_name: agentName(event.agent_name),
      timestamp: this.#timestamp(name, event.timestamp),
      data: encoded.data ?? JSON.parse(json),
    };
    this.#push(name, stored.agent_name, stored.timestamp, json);
    if (this.#listeners.size > 0) this.#tell(stored);
    return stored;
  }

  // ------------------------------------------------ live reading (EventFeed)

  #listeners = new Set<EventListener>();
  #afters = new Map<string, StatementSync>();

  /** The id of the newest appended event (0 before the first). */
  get lastId(): number {
    return this.#nextId - 1;
  }

  /**
   * The oldest id still kept: every event with a smaller id has been pruned
   * (the next id when none is kept or buffered).
   */
  get oldestId(): number {
    const lo = (this.#bounds.get() as { lo: number | null }).lo;
    return lo ?? (this.#buffer.length > 0 ? this.#nextId - this.#buffer.length : this.#nextId);
  }

  /**
   * Calls `listener` with every event appended from now on, synchronously
   * inside {@linkcode EventStore.append}, in id order (a listener that
   * throws is ignored). Returns the function that removes it.
   */
  listen(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Up to `limit` (1 to 10,000) events with an id above `id` that pass
   * `filter`, oldest first. Commits the buffer first, so it sees every
   * appended event.
   */
  after(id: number, filter: EventFilter, limit: number): OrchestratorEvent[] {
    this.flush();
    const plan = planAfter(filter, id, Math.max(1, Math.min(limit, 10_000)), COLUMNS);
    if (plan === null || this.#closed) return [];
    let statement = this.#afters.get(plan.shape);
    if (statement === undefined) {
      if (this.#afters.size >= 32) this.#afters.clear();
      statement = this.#db.prepare(plan.sql);
      this.#afters.set(plan.shape, statement);
    }
    return (statement.all(...plan.params) as unknown as EventRow[]).map(rowToEvent);
  }

  #tell(event: OrchestratorEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a reader's failure never fails the producer
      }
    }
  }

  // -------------------------------------------------------------------------

  /** The event name, checked (and the store open). */
  #checkName(name: unknown): EventName {
    if (this.#closed) {
      throw new OrchestratorError(
        503,
        `Cannot append event "${String(name)}": the event store is closed`,
      );
    }
    if (typeof name !== "string" || !Object.hasOwn(EVENT_CATEGORIES, name)) {
      throw badRequest(`Cannot append event "${String(name)}": unknown event name`);
    }
    return name as EventName;
  }

  /** Buffers an event under the next id; commits a full batch. */
  #push(name: EventName, agent: string | null, timestamp: string, json: string): void {
    this.#buffer.push(this.#nextId++, name, agent, timestamp, json);
    if (this.#buffer.length >= this.#maxBatch && this.#failures === 0) {
      this.#flushQuietly();
    } else if (this.#buffer.length > this.#maxBuffered) {
      this.#buffer.dropOldest();
      this.#dropped++;
    }
    this.#schedule();
  }

  /**
   * Events matching `query`, newest first (by id). Sees every appended event
   * (commits the buffer first). Options are validated (see
   * `normalizeQuery`): a bad one throws `OrchestratorError(400)`.
   */
  query(query?: EventQuery): OrchestratorEvent[] {
    const q = normalizeQuery(query, this.#clock());
    this.flush();
    const plan = planSelect(q, this.#idRange(q), COLUMNS);
    if (plan === null) return [];
    let statement = this.#selects.get(plan.shape);
    if (statement === undefined) {
      statement = this.#db.prepare(plan.sql);
      this.#selects.set(plan.shape, statement);
    }
    const rows = statement.all(...plan.params) as unknown as EventRow[];
    return rows.map(rowToEvent);
  }

  /** How many stored events match the filters (`limit` is ignored). Commits the buffer first. */
  count(query?: Omit<EventQuery, "limit">): number {
    const { limit: _ignored, ...filters } = (query ?? {}) as EventQuery;
    const q = normalizeQuery(filters, this.#clock());
    this.flush();
    const plan = planCount(q, this.#idRange(q));
    if (plan === null) return 0;
    let statement = this.#counts.get(plan.shape);
    if (statement === undefined) {
      statement = this.#db.prepare(plan.sql);
      this.#counts.set(plan.shape, statement);
    }
    return (statement.get(...plan.params) as { n: number }).n;
  }

  /**
   * The newest `ORCHESTRATOR_STARTED` event: the boundary between the current
   * run and the history of earlier runs of a file store; `null` if none.
   */
  lastRunBoundary(): OrchestratorEvent | null {
    return this.query({ event: "ORCHESTRATOR_STARTED", limit: 1 })[0] ?? null;
  }

  /** Newest events kept (`event_retention`), in total or per category. */
  get retention(): Retention {
    return this.#retention;
  }

  /**
   * Keeps the newest events as `retention` says from now on (a reload of
   * `event_retention`): what is buffered is committed first under the old
   * limits; the events beyond the new ones are pruned in bounded chunks with
   * the next commits. Throws (500) on an invalid value.
   */
  setRetention(retention: RetentionOption): void {
    const checked = checkRetention(retention, `event store "${this.path ?? ":memory:"}"`);
    this.flush();
    const bounds = this.#bounds.get() as { lo: number | null; hi: number | null };
    this.#retention = checked;
    this.#pruner = openPruner(this.#db, checked, {
      nextId: this.#nextId,
      oldestId: bounds.lo ?? this.#nextId,
      chunk: this.#pruneChunk,
    });
  }

  /**
   * Commits the buffer now, in one transaction, and prunes beyond retention
   * (at most one bounded chunk per category and call). No-op when nothing is
   * buffered or the store is closed.
   *
   * @throws {OrchestratorError} 500 naming the file when the write fails; the
   * events stay buffered.
   */
  flush(): void {
    if (this.#closed || this.#buffer.length === 0) return;
    const count = this.#buffer.length;
    const db = this.#db;
    try {
      db.exec("BEGIN");
      try {
        this.#insertBuffer();
        this.#pruner.added(this.#buffer.names, this.#nextId);
        this.#pruner.step();
        db.exec("COMMIT");
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    } catch (error) {
      this.#pruner.rollback();
      throw writeError(this.path ?? ":memory:", error, count);
    }
    this.#pruner.commit();
    this.#buffer.clear();
    this.#failures = 0;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * Commits the buffer, stops the timer and closes the database (releasing the
   * file lock). Idempotent. If the final commit fails the database is still
   * closed and the error is thrown.
   */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#buffer.clear();
      this.#db.close();
    }
  }

  /** Same as {@linkcode EventStore.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * The event's timestamp: the given one or the clock's, raised to the
   * previous event's if older (a clock stepping back, or a producer's
   * out-of-order timestamp), so timestamps never decrease with ids.
   */
  #timestamp(name: string, given: string | undefined): string {
    let ms: number;
    let iso: string | null = null;
    if (given === undefined) {
      ms = this.#defaultClock ? Date.now() : this.#clock().getTime();
    } else {
      iso = typeof given === "string" ? parseIsoTimestamp(given) : null;
      if (iso === null) {
        throw badRequest(
          `Cannot append event "${name}": invalid timestamp ${
            JSON.stringify(String(given).slice(0, 80))
          }, expected ISO 8601`,
        );
      }
      ms = Date.parse(iso);
    }
    if (ms > this.#lastMs) {
      this.#lastIso = iso ?? isoTime(ms);
      this.#lastMs = ms;
    }
    return this.#lastIso;
  }

  /** The id range of a query's since/until (a binary search over ids; see plan.ts). */
  #idRange(query: QueryFilters): IdRange {
    if (query.since === undefined && query.until === undefined) {
      return idRange(query, { oldest: null, newest: null }, () => null);
    }
    const bounds = this.#bounds.get() as { lo: number | null; hi: number | null };
    return idRange(query, { oldest: bounds.lo, newest: bounds.hi }, (id) => {
      const row = this.#probe.get(id) as { timestamp: string } | undefined;
      return row?.timestamp ?? null;
    });
  }

  /** Inserts the buffer (inside the flush transaction). */
  #insertBuffer(): void {
    const { ids, names, agents, timestamps, jsons } = this.#buffer;
    const count = ids.length;
    const params = this.#manyParams;
    let i = 0;
    for (; i + INSERT_ROWS <= count; i += INSERT_ROWS) {
      for (let j = 0; j < INSERT_ROWS; j++) {
        const k = i + j;
        const at = j * 6;
        params[at] = ids[k];
        params[at + 1] = names[k];
        params[at + 2] = EVENT_CATEGORIES[names[k]];
        params[at + 3] = agents[k];
        params[at + 4] = timestamps[k];
        params[at + 5] = jsons[k];
      }
      this.#insertMany.run(...params);
    }
    params.fill(null); // hold no event text between flushes
    for (; i < count; i++) {
      this.#insert.run(
        ids[i],
        names[i],
        EVENT_CATEGORIES[names[i]],
        agents[i],
        timestamps[i],
        jsons[i],
      );
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#buffer.length === 0) return;
    const delay = this.#failures === 0
      ? this.#flushIntervalMs
      : Math.min(Math.max(this.#flushIntervalMs, 50) * 2 ** this.#failures, MAX_RETRY_DELAY_MS);
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushQuietly();
      this.#schedule();
    }, delay);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** A flush whose failure is reported, not thrown (timer and full-batch paths). */
  #flushQuietly(): void {
    try {
      this.flush();
    } catch (error) {
      this.#failures++;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#onError(
        error instanceof OrchestratorError ? error : writeError(this.path ?? ":memory:", error, 0),
      );
    }
  }
}

const defaultClock = (): Date => new Date();

function agentName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === "string" ? value : String(value);
  return text.length > MAX_AGENT_NAME_LENGTH
    ? `${text.slice(0, MAX_AGENT_NAME_LENGTH - 1)}…`
    : text;
}

function rowToEvent(row: EventRow): OrchestratorEvent {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(row.data);
  } catch {
    data = { _unparsable: row.data };
  }
  return {
    id: row.id,
    event_name: row.event_name as EventName,
    category: row.category as OrchestratorEvent["category"],
    agent_name: row.agent_name,
    timestamp: row.timestamp,
    data,
  };
}

/** The options with every default applied and the retention validated. */
type ResolvedOptions = Required<Omit<EventStoreOptions, "retention">> & { retention: Retention };

function resolveOptions(options: EventStoreOptions): ResolvedOptions {
  const where = options.path === null ? "in-memory event store" : `event store "${options.path}"`;
  const check = (name: string, value: number, min: number, max: number) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new OrchestratorError(
        500,
        `Invalid option "${name}" of ${where}: expected an integer from ${min} to ${max}, got ${
          String(value)
        }`,
      );
    }
    return value;
  };
  return {
    path: options.path === ":memory:" ? null : options.path,
    retention: checkRetention(options.retention, where),
    flushIntervalMs: check(
      "flushIntervalMs",
      options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
      0,
      60_000,
    ),
    maxBatch: check("maxBatch", options.maxBatch ?? DEFAULT_MAX_BATCH, 1, 100_000),
    clock: options.clock ?? defaultClock,
    synchronous: options.synchronous ?? "normal",
    onError: options.onError ?? ((error) => console.error(error.message)),
  };
}
