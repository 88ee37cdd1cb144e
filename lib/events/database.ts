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
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { OrchestratorError } from "../errors.ts";
import { migrate, SchemaError } from "./schema.ts";
import { dirname } from "../path.ts";

/** `PRAGMA synchronous` for a file store (see docs/events.md). */
export type SyncLevel = "normal" | "full";

/** Opens (creating if needed) and migrates the database. `path` `null` = in memory. */
export function openDatabase(path: string | null, synchronous: SyncLevel): DatabaseSync {
  if (path !== null) precheckPath(path);
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
    }
    // BEGIN IMMEDIATE takes the write lock now, so a locked or read-only file fails here.
    db.exec("BEGIN IMMEDIATE");
    try {
      migrate(db);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
    return db;
  } catch (error) {
    try {
      db?.close();
    } catch {
      // Closing a half-opened database may fail too; the first error is the one to report.
    }
    throw openError(path ?? ":memory:", error);
  }
}

/** Turns a failure at open into `Cannot open event store "<path>": <reason>`. */
export function openError(path: string, error: unknown): OrchestratorError {
  if (error instanceof OrchestratorError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const reason = error instanceof SchemaError ? raw : explainSqliteError(path, raw);
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
