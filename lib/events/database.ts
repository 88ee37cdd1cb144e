/**
 * Opening the SQLite database behind the event store: pragmas, the
 * single-writer lock, migrations, and errors that name the file.
 *
 * Locking: a file store runs in WAL mode with `PRAGMA locking_mode=EXCLUSIVE`
 * set before the first access, so the first read takes an exclusive lock on
 * the database file and the connection keeps it until it is closed. A second
 * orchestrator (another process) gets `SQLITE_BUSY` at open and refuses to
 * start. The lock is a POSIX advisory lock owned by the process: the kernel
 * drops it when the process dies, even by SIGKILL, so a crashed orchestrator
 * never blocks the next start. (Caveat of POSIX locks: closing *any* file
 * descriptor of the database file in the same process drops the lock, so
 * nothing else in the process may open the file while the store is open.)
 *
 * Ownership (docs/events.md): before SQLite touches a file, its header is
 * read. A file that is not SQLite, or SQLite marked with another
 * application's `application_id`, or unmarked SQLite holding tables but no
 * event store, is refused with not one byte changed. Our files carry
 * {@linkcode APPLICATION_ID}; a store made by an earlier version (unmarked,
 * with the `events` table) is accepted, marked and narrowed to mode 0600. A
 * new file is created with mode 0600 before SQLite opens it (SQLite gives
 * its `-wal` file the database file's mode).
 *
 * @module
 */

import { closeQuietly } from "../close_quietly.ts";
import { DatabaseSync } from "node:sqlite";
import { OrchestratorError } from "../errors.ts";
import { migrate, newerSchemaError, SCHEMA_VERSION, SchemaError } from "./schema.ts";
import { dirname } from "../path.ts";

/** `PRAGMA application_id` of an event store: "ORCH" in ASCII. */
export const APPLICATION_ID = 0x4f524348;

/** WAL pages between automatic checkpoints (see docs/events.md, "Performance"). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Mode of a new event store file. */
const STORE_MODE = 0o600;

/** `PRAGMA synchronous` for a file store (see docs/events.md). */
export type SyncLevel = "normal" | "full";

/** Opens (creating if needed) and migrates the database. `path` `null` = in memory. */
export function openDatabase(path: string | null, synchronous: SyncLevel): DatabaseSync {
  let legacy = false;
  if (path !== null) {
    precheckPath(path);
    legacy = checkOwnership(path) === "legacy";
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path ?? ":memory:", { timeout: 0 });
    if (path !== null) {
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      const row = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (row.journal_mode.toLowerCase() !== "wal") {
        throw new Error(`cannot switch to WAL mode (journal_mode is "${row.journal_mode}")`);
      }
      db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
      db.exec("PRAGMA journal_size_limit = 16777216");
      // Statement journals in memory: on disk they spill after 64 KiB and cost
      // a write per page (measured: half the CPU of an append went there).
      db.exec("PRAGMA temp_store = MEMORY");
      // A checkpoint (two fsyncs, a few ms) every 10,000 WAL pages instead of 1,000: a
      // state-changing command commits before it answers, and at 1,000 pages one command in
      // about a hundred paid for a checkpoint (docs/events.md, "Performance").
      db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    }
    // BEGIN IMMEDIATE takes the write lock now, so a locked or read-only file fails here.
    db.exec("BEGIN IMMEDIATE");
    try {
      migrate(db);
      if (path !== null) markOurs(db);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
    if (legacy && path !== null) Deno.chmodSync(path, STORE_MODE);
    return db;
  } catch (error) {
    closeQuietly(db);
    throw openError(path ?? ":memory:", error);
  }
}

/** Turns a failure at open into `Cannot open event store "<path>": <reason>`. */
export function openError(path: string, error: unknown): OrchestratorError {
  if (error instanceof OrchestratorError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const reason = error instanceof SchemaError
    ? raw
    : error instanceof Deno.errors.PermissionDenied
    ? permissionHint(path) ?? "permission denied"
    : explainSqliteError(path, raw);
  return new OrchestratorError(500, `Cannot open event store "${path}": ${reason}`, {
    path,
    cause: raw,
  });
}

/** Turns a failure while writing into `Cannot write event store "<path>": <reason>`. */
export function writeError(path: string, error: unknown, pending: number): OrchestratorError {
  const raw = error instanceof Error ? error.message : String(error);
  return new OrchestratorError(
    500,
    `Cannot write event store "${path}": ${
      explainSqliteError(path, raw)
    } (${pending} events waiting)`,
    { path, cause: raw, pending },
  );
}

function explainSqliteError(path: string, message: string): string {
  const lower = message.toLowerCase();
  if (lower.includes("database is locked") || lower.includes("busy")) {
    return "the file is locked by another process (is another orchestrator using this event_store_path?)";
  }
  if (lower.includes("file is not a database")) return "file is not a database";
  if (lower.includes("malformed")) return "file is corrupt (database disk image is malformed)";
  if (
    lower.includes("readonly") || lower.includes("read-only") || lower.includes("unable to open") ||
    lower.includes("disk i/o error")
  ) {
    const hint = permissionHint(path);
    if (hint !== null) return hint;
  }
  if (lower.includes("readonly") || lower.includes("read-only")) {
    return "the file or its directory is not writable (attempt to write a readonly database)";
  }
  if (lower.includes("unable to open")) {
    return `unable to open the file (is "${dirname(path)}" writable by this user?)`;
  }
  return message;
}

/**
 * Explains a permission problem from file modes (stat only: opening the file
 * here would drop the POSIX locks of other connections in this process).
 * Returns `null` when the modes do not explain it. Supplementary groups are
 * not known, so this is a hint, never a check that refuses by itself.
 */
function permissionHint(path: string): string | null {
  const uid = Deno.uid();
  if (uid === null || uid === 0) return null;
  const gid = Deno.gid();
  const writable = (info: Deno.FileInfo): boolean => {
    const mode = info.mode ?? 0o777;
    if (info.uid === uid) return (mode & 0o200) !== 0;
    if (info.gid === gid) return (mode & 0o020) !== 0;
    return (mode & 0o002) !== 0;
  };
  const dir = dirname(path);
  let file: Deno.FileInfo | null = null;
  try {
    file = Deno.statSync(path);
  } catch {
    // Not created yet: only the directory matters.
  }
  if (file !== null && !writable(file)) {
    return `the file is not writable by this user (uid ${uid})`;
  }
  try {
    if (!writable(Deno.statSync(dir))) {
      const base = path.slice(dir.length + 1);
      return file === null
        ? `directory "${dir}" is not writable by this user (uid ${uid})`
        : `directory "${dir}" is not writable by this user (uid ${uid}); SQLite needs to create "${base}-wal" there`;
    }
  } catch {
    return null;
  }
  return null;
}

/** Clear messages for the common path mistakes, before SQLite's generic ones. */
function precheckPath(path: string): void {
  if (path === "") {
    throw new OrchestratorError(500, 'Invalid event store path "": expected a file path or null');
  }
  const fail = (reason: string) =>
    new OrchestratorError(500, `Cannot open event store "${path}": ${reason}`, { path });
  const dir = dirname(path);
  let dirInfo: Deno.FileInfo;
  try {
    dirInfo = Deno.statSync(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw fail(`directory "${dir}" does not exist`);
    if (error instanceof Deno.errors.NotADirectory) {
      throw fail(`"${dir}" is not a directory (a path component is a file)`);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw fail(`permission denied on directory "${dir}"`);
    }
    throw fail(error instanceof Error ? error.message : String(error));
  }
  if (!dirInfo.isDirectory) throw fail(`"${dir}" is not a directory`);
  try {
    if (Deno.statSync(path).isDirectory) throw fail("it is a directory");
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    // Not there yet (it will be created) or not stat-able: SQLite reports the rest.
  }
}

/** What the header check found: a file to create or fill, ours, or an earlier version's. */
type Ownership = "new" | "ours" | "legacy";

/** The 16-byte magic string at the start of every SQLite database file. */
const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * Decides whether `path` may be used as an event store, reading it only
 * (see the module doc). Creates a missing file with mode 0600. Throws an
 * `OrchestratorError` naming the file when it is not ours.
 */
function checkOwnership(path: string): Ownership {
  const fail = (reason: string) =>
    new OrchestratorError(500, `Cannot open event store "${path}": ${reason}`, { path });
  let header: Uint8Array;
  try {
    header = readHeader(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw openError(path, error);
    createPrivateFile(path);
    return "new";
  }
  if (header.length === 0) return "new";
  const magic = new TextDecoder().decode(header.subarray(0, 16));
  if (header.length < 100 || magic !== SQLITE_MAGIC) throw fail("file is not a database");
  const view = new DataView(header.buffer, header.byteOffset, header.length);
  const id = view.getUint32(68);
  const version = view.getUint32(60);
  if (id === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) throw openError(path, newerSchemaError(version));
    return "ours";
  }
  if (id !== 0) {
    throw fail(
      `not an event store: it belongs to another application (application_id ${id}, 0x${
        id.toString(16).padStart(8, "0")
      })`,
    );
  }
  const found = inspectImmutable(path);
  if (found.tables.length === 0) return "new";
  if (found.tables.includes("events") && found.version >= 1) {
    if (found.version > SCHEMA_VERSION) throw openError(path, newerSchemaError(found.version));
    return "legacy";
  }
  const names = found.tables.slice(0, 3).map((t) => `"${t}"`).join(", ");
  throw fail(
    found.version === 0
      ? `not an event store: it already holds table(s) ${names} and no schema version`
      : `not an event store: it holds table(s) ${names} and schema version ${found.version}`,
  );
}

/** The first 100 bytes of the file (fewer when it is shorter). */
function readHeader(path: string): Uint8Array {
  using file = Deno.openSync(path, { read: true });
  const buffer = new Uint8Array(100);
  let length = 0;
  while (length < buffer.length) {
    const n = file.readSync(buffer.subarray(length));
    if (n === null || n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}

/** Creates an empty file with mode 0600, never replacing one (another process may have just made it). */
function createPrivateFile(path: string): void {
  try {
    Deno.openSync(path, { write: true, createNew: true, mode: STORE_MODE }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    throw openError(path, error);
  }
}

/**
 * Tables and schema version of an unmarked SQLite file, read as an
 * immutable file: no lock, no journal or WAL, nothing written, no wait on a
 * lock another process holds. Tables that only exist in a `-wal` file are
 * not seen; `migrate` still refuses such a database before writing to it.
 */
function inspectImmutable(path: string): { tables: string[]; version: number } {
  const url = new URL("file:///");
  url.pathname = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  url.search = "?immutable=1";
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(url.href, { readOnly: true, timeout: 0 });
    const tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    ).all() as { name: string }[];
    const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
    return { tables: tables.map((t) => t.name), version: row?.user_version ?? 0 };
  } catch (error) {
    throw openError(path, error);
  } finally {
    closeQuietly(db);
  }
}

/** Marks the database as an event store (inside the open transaction). */
function markOurs(db: DatabaseSync): void {
  const row = db.prepare("PRAGMA application_id").get() as { application_id: number } | undefined;
  if ((row?.application_id ?? 0) >>> 0 !== APPLICATION_ID) {
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  }
}
