/**
 * The event store never writes a byte into a file that is not its own, and
 * its own files are 0600 (docs/events.md, docs/operations.md "Faults").
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { EventStore } from "../../lib/events/store.ts";
import { APPLICATION_ID } from "../../lib/events/database.ts";
import { MIGRATIONS } from "../../lib/events/schema.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { tempDir } from "./helpers.ts";

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function refusedWith(path: string, reason: string | RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof OrchestratorError, String(error));
    const prefix = `Cannot open event store "${path}": `;
    assert.ok(error.message.startsWith(prefix), error.message);
    const rest = error.message.slice(prefix.length);
    if (typeof reason === "string") assert.equal(rest, reason);
    else assert.match(rest, reason);
    return true;
  };
}

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

/** The sibling files SQLite may leave (-wal, -shm, -journal). */
function siblings(path: string): string[] {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const base = path.slice(dir.length + 1);
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n !== base && n.startsWith(base)
  );
}

Deno.test("ownership: another application's SQLite file (a table, no id) is refused with not one byte changed", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/app.db`;
  const db = new DatabaseSync(path);
  db.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)");
  db.close();
  const before = await sha256(path);
  assert.throws(
    () => EventStore.open({ path, retention: 10 }),
    refusedWith(path, 'not an event store: it already holds table(s) "t" and no schema version'),
  );
  assert.equal(await sha256(path), before);
  assert.deepEqual(siblings(path), []);
});

Deno.test("ownership: SQLite marked with another application_id is refused untouched, even when empty", async () => {
  await using dir = await tempDir();
  for (const tables of [true, false]) {
    const path = `${dir.path}/other-${tables}.db`;
    const db = new DatabaseSync(path);
    db.exec("PRAGMA application_id = 1234");
    if (tables) db.exec("CREATE TABLE events (id INTEGER PRIMARY KEY); PRAGMA user_version = 2");
    db.close();
    const before = await sha256(path);
    assert.throws(
      () => EventStore.open({ path, retention: 10 }),
      refusedWith(
        path,
        "not an event store: it belongs to another application (application_id 1234, 0x000004d2)",
      ),
    );
    assert.equal(await sha256(path), before);
    assert.deepEqual(siblings(path), []);
  }
});

Deno.test("ownership: a file that is not SQLite is refused with not one byte changed", async () => {
  await using dir = await tempDir();
  for (
    const [name, bytes] of [
      [
        "notes.txt",
        new TextEncoder().encode("event_store_path should point elsewhere\n".repeat(50)),
      ],
      ["short.bin", new TextEncoder().encode("SQLite format 3\0")],
      ["zeros.bin", new Uint8Array(4096)],
    ] as const
  ) {
    const path = `${dir.path}/${name}`;
    await Deno.writeFile(path, bytes);
    const before = await sha256(path);
    assert.throws(
      () => EventStore.open({ path, retention: 10 }),
      refusedWith(path, "file is not a database"),
    );
    assert.equal(await sha256(path), before);
    assert.deepEqual(siblings(path), []);
  }
});

Deno.test("ownership: a new store is created 0600 (its -wal too) and marked with our application_id", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  const store = EventStore.open({ path, retention: 10 });
  try {
    store.append({ event_name: "ORCHESTRATOR_STARTED" });
    store.flush();
    assert.equal(mode(path), 0o600);
    assert.equal(mode(`${path}-wal`), 0o600);
  } finally {
    store.close();
  }
  assert.equal(mode(path), 0o600);
  const header = await Deno.readFile(path);
  assert.equal(new DataView(header.buffer).getUint32(68), APPLICATION_ID);
  // Reopened as ours.
  EventStore.open({ path, retention: 10 }).close();
});

Deno.test("ownership: a store from an earlier version (no application_id, our events table) is accepted, marked, narrowed to 0600", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  const db = new DatabaseSync(path);
  for (const migration of MIGRATIONS) db.exec(migration);
  db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  db.exec(
    "INSERT INTO events (event_name, category, timestamp) VALUES ('ORCHESTRATOR_STARTED', 'system', '2025-01-01T00:00:00.000Z')",
  );
  db.close();
  Deno.chmodSync(path, 0o644);
  const store = EventStore.open({ path, retention: 10 });
  try {
    assert.equal(store.query({ limit: 10 }).length, 1);
    assert.equal(mode(path), 0o600);
  } finally {
    store.close();
  }
  const header = await Deno.readFile(path);
  assert.equal(new DataView(header.buffer).getUint32(68), APPLICATION_ID);
});

Deno.test({
  name: "ownership: uid 65534 cannot read a store created by root",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const path = `${dir.path}/events.db`;
    EventStore.open({ path, retention: 10 }).close();
    const out = await new Deno.Command("setpriv", {
      args: ["--reuid=65534", "--regid=65534", "--clear-groups", "cat", path],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.success, false);
    assert.match(new TextDecoder().decode(out.stderr), /Permission denied/);
  },
});
