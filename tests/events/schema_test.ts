/** Schema versioning: migrations from an older user_version, refusal of newer or foreign files. */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { EventStore } from "../../lib/events/store.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../lib/events/schema.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { tempDir } from "./helpers.ts";

function withRaw<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function indexes(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' ORDER BY name",
  ).all() as { name: string }[]).map((r) => r.name);
}

Deno.test("migrations: a new file gets the latest schema version and the query indexes", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  EventStore.open({ path, retention: 10 }).close();
  withRaw(path, (db) => {
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      SCHEMA_VERSION,
    );
    assert.deepEqual(indexes(db), ["events_by_agent_name", "events_by_name"]);
    assert.equal(
      (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode,
      "wal",
    );
  });
});

Deno.test("migrations: a db at user_version 1 is migrated, its events kept", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  withRaw(path, (db) => {
    db.exec(MIGRATIONS[0]);
    db.exec("PRAGMA user_version = 1");
    db.exec(
      `INSERT INTO events VALUES (1, 'AGENT_STARTED', 'agent', 'old', '2024-01-01T00:00:00.000Z', '{"v":1}')`,
    );
    assert.deepEqual(indexes(db), []);
  });
  {
    using store = EventStore.open({ path, retention: 10 });
    assert.deepEqual(store.query({ agent: "old" }).map((e) => [e.id, e.data]), [[1, { v: 1 }]]);
    assert.equal(store.append({ event_name: "ORCHESTRATOR_STARTED" }).id, 2);
    assert.deepEqual(
      store.query({ category: "agent", since: "2024-01-01", until: "2024-01-02" }).map((e) => e.id),
      [1],
    );
    assert.deepEqual(store.query({ until: "2024-01-01" }), []);
    assert.equal(store.count({ category: "system" }), 1);
  }
  withRaw(path, (db) => {
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      SCHEMA_VERSION,
    );
    assert.deepEqual(indexes(db), ["events_by_agent_name", "events_by_name"]);
  });
});

Deno.test("migrations: a db from a newer orchestrator is refused, untouched", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  withRaw(path, (db) => {
    db.exec(MIGRATIONS.join(";"));
    db.exec("PRAGMA user_version = 99");
  });
  assert.throws(
    () => EventStore.open({ path, retention: 10 }),
    (error: unknown) =>
      error instanceof OrchestratorError && error.code === 500 &&
      error.message ===
        `Cannot open event store "${path}": schema version 99 is newer than this orchestrator supports (${SCHEMA_VERSION}); use a newer orchestrator or another event_store_path`,
  );
  withRaw(path, (db) => {
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      99,
    );
  });
});

Deno.test("migrations: an unversioned db holding other tables is not taken over", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/app.db`;
  withRaw(path, (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"));
  assert.throws(
    () => EventStore.open({ path, retention: 10 }),
    (error: unknown) =>
      error instanceof OrchestratorError &&
      error.message ===
        `Cannot open event store "${path}": not an event store: it already holds table(s) "users" and no schema version`,
  );
  withRaw(path, (db) => {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
    assert.deepEqual(tables.map((t) => t.name), ["users"]);
  });
});
