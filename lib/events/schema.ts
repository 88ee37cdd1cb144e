/**
 * The event store's schema: an ordered list of migrations, versioned with
 * `PRAGMA user_version`. Migration `i` (0-based) takes the schema from
 * version `i` to `i + 1`; a database is brought to {@linkcode SCHEMA_VERSION}
 * in one transaction at open. Never edit a shipped migration: append a new one.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** Ordered migrations; the schema version is the number applied. */
export const MIGRATIONS: readonly string[] = [
  // 0 -> 1: the events table. `id` is the rowid, assigned by the store (contiguous, monotonic).
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     event_name TEXT NOT NULL,
     category TEXT NOT NULL,
     agent_name TEXT,
     timestamp TEXT NOT NULL,
     data TEXT NOT NULL DEFAULT '{}'
   )`,
  // 1 -> 2: indexes for the history filters (see lib/events/plan.ts). An index
  // is ordered by its columns and then the rowid (= id), so
  // `WHERE event_name = ? AND id < ? ORDER BY id DESC LIMIT n` walks it
  // backwards and stops after n rows. Only two indexes, to keep appends cheap:
  // a category is a set of event names (one index walk per name, merged), an
  // agent alone is the merge over all names of (agent_name, event_name), and
  // since/until become an id range (timestamps never decrease with ids).
  `CREATE INDEX events_by_name ON events (event_name);
   CREATE INDEX events_by_agent_name ON events (agent_name, event_name)`,
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Why a database cannot be migrated; the store turns it into a message naming the file. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaError";
  }
}

/** The error for a database written by a newer orchestrator (schema version `found`). */
export function newerSchemaError(found: number): SchemaError {
  return new SchemaError(
    `schema version ${found} is newer than this orchestrator supports (${SCHEMA_VERSION}); ` +
      "use a newer orchestrator or another event_store_path",
  );
}

/** Reads `PRAGMA user_version`. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Brings `db` to {@linkcode SCHEMA_VERSION}. Must run inside a write
 * transaction (the caller commits). Returns the version found.
 * Throws {@linkcode SchemaError} for a database from a newer orchestrator or
 * an unversioned database that already holds other tables.
 */
export function migrate(db: DatabaseSync): number {
  const found = schemaVersion(db);
  if (found > SCHEMA_VERSION) throw newerSchemaError(found);
  if (found === 0) {
    const tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 3",
    ).all() as { name: string }[];
    if (tables.length > 0) {
      throw new SchemaError(
        `not an event store: it already holds table(s) ${
          tables.map((t) => `"${t.name}"`).join(", ")
        } and no schema version`,
      );
    }
  }
  for (let version = found; version < SCHEMA_VERSION; version++) {
    db.exec(MIGRATIONS[version]);
  }
  if (found !== SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  return found;
}
