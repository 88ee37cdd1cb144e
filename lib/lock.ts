/**
 * Exclusive lock files: `<path>.lock` beside the control socket and the
 * event store, so that exactly one orchestrator runs on them (see
 * docs/operations.md, "Faults").
 *
 * The lock is `flock(LOCK_EX | LOCK_NB)` (`Deno.FsFile.tryLockSync`): taken
 * at once or refused at once, released by the kernel when the holder dies,
 * even by SIGKILL, so a crash never leaves a lock that blocks the next start.
 * The file holds the holder's pid, for the loser's message only: the lock,
 * not the pid, decides. The holder removes the file when it releases it; a
 * taker checks after locking that the path still names the file it locked
 * (a holder may remove it between the taker's open and lock), else retries.
 *
 * @module
 */

import { closeQuietly } from "./close_quietly.ts";
import { OrchestratorError } from "./errors.ts";
import { dirname } from "./path.ts";

/** Attempts at open-then-lock when the file keeps being replaced under us. */
const ATTEMPTS = 20;
/** How long the loser waits for the winner to write its pid, in ms. */
const PID_WAIT_MS = 500;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown by {@linkcode LockFile.acquire} when another process holds the lock. */
export class LockHeldError extends OrchestratorError {
  /** The holder's pid as written in the file, or `null` when unknown. */
  readonly pid: number | null;
  /** The lock file. */
  readonly path: string;

  constructor(path: string, pid: number | null) {
    const who = pid === null ? "another orchestrator" : `another orchestrator (pid ${pid})`;
    super(500, `Cannot run: ${who} holds "${path}"`, { path, pid });
    this.name = "LockHeldError";
    this.pid = pid;
    this.path = path;
  }
}

/** The pid written in a lock file, or `null` when the text is not one. */
export function parsePid(text: string): number | null {
  const trimmed = text.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) return null;
  const pid = Number(trimmed);
  return pid <= 0x7fffffff ? pid : null;
}

/** An exclusive lock held by this process on a lock file. */
export class LockFile {
  readonly #path: string;
  #file: Deno.FsFile | null;
  readonly #ino: number | null;

  private constructor(path: string, file: Deno.FsFile, ino: number | null) {
    this.#path = path;
    this.#file = file;
    this.#ino = ino;
  }

  /** The lock file's path. */
  get path(): string {
    return this.#path;
  }

  /**
   * Takes the lock on `path` (created with mode 0600 if missing) without
   * waiting, and writes this process's pid into it. Throws
   * {@linkcode LockHeldError} when another process holds it, and an
   * `OrchestratorError` naming the file when it cannot be used (not a
   * regular file, owned by another user, not writable).
   */
  static acquire(path: string): LockFile {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const file = openLockFile(path);
      let locked = false;
      try {
        locked = file.tryLockSync(true);
      } catch (error) {
        file.close();
        throw cannotUse(path, (error as Error).message);
      }
      if (!locked) {
        const pid = holderPid(file);
        file.close();
        throw new LockHeldError(path, pid);
      }
      const ino = file.statSync().ino;
      if (!samePathFile(path, ino)) {
        // The holder removed the file between our open and lock: lock the new one.
        file.close();
        continue;
      }
      try {
        file.truncateSync(0);
        const bytes = encoder.encode(`${Deno.pid}\n`);
        let offset = 0;
        while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
      } catch (error) {
        file.close();
        throw cannotUse(path, (error as Error).message);
      }
      return new LockFile(path, file, ino);
    }
    throw cannotUse(path, `it was replaced ${ATTEMPTS} times while being locked`);
  }

  /** Removes the file (if it is still ours) and releases the lock. Idempotent. */
  release(): void {
    if (this.#file === null) return;
    try {
      if (samePathFile(this.#path, this.#ino)) Deno.removeSync(this.#path);
    } catch {
      // Gone already: the lock is released by closing anyway.
    }
    closeQuietly(this.#file);
    this.#file = null;
  }
}

function cannotUse(path: string, reason: string): OrchestratorError {
  return new OrchestratorError(500, `Cannot use lock file "${path}": ${reason}`, { path });
}

/** Opens (creating with mode 0600) a regular file owned by this user, without truncating it. */
function openLockFile(path: string): Deno.FsFile {
  try {
    if (Deno.lstatSync(path).isSymlink) throw cannotUse(path, "it is a symbolic link");
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    // Missing: created below.
  }
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) {
      throw cannotUse(
        path,
        `permission denied (can uid ${Deno.uid()} write to "${dirname(path)}"?)`,
      );
    }
    throw cannotUse(path, (error as Error).message);
  }
  try {
    const info = file.statSync();
    if (!info.isFile) throw cannotUse(path, "not a regular file");
    const uid = Deno.uid();
    if (uid !== null && info.uid !== uid) {
      throw cannotUse(path, `owned by uid ${info.uid}, not by this user (uid ${uid})`);
    }
    const link = Deno.lstatSync(path);
    if (link.isSymlink) throw cannotUse(path, "it is a symbolic link");
  } catch (error) {
    file.close();
    if (error instanceof OrchestratorError) throw error;
    throw cannotUse(path, (error as Error).message);
  }
  return file;
}

/** True when `path` names a regular file with inode `ino` (not a symlink to it). */
function samePathFile(path: string, ino: number | null): boolean {
  try {
    const info = Deno.lstatSync(path);
    return info.isFile && (ino === null || info.ino === ino);
  } catch {
    return false;
  }
}

/** Reads the holder's pid; waits briefly for a holder that has locked but not written yet. */
function holderPid(file: Deno.FsFile): number | null {
  const deadline = Date.now() + PID_WAIT_MS;
  const buffer = new Uint8Array(32);
  for (;;) {
    let text = "";
    try {
      file.seekSync(0, Deno.SeekMode.Start);
      const n = file.readSync(buffer);
      text = n === null ? "" : decoder.decode(buffer.subarray(0, n));
    } catch {
      return null;
    }
    const pid = parsePid(text);
    if (pid !== null || Date.now() > deadline) return pid;
    sleepSync(5);
  }
}

/** Blocks the thread for `ms` (only the loser of a lock race waits, before it exits). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
