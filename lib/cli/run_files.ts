/**
 * The files `orchestrator run` sets up before anything else (see
 * docs/operations.md, "Faults"): the lock files that let exactly one
 * orchestrator run on a control socket and an event store, and the missing
 * directories of the socket, the event store and `log_dir`.
 *
 * @module
 */

import type { OrchestratorConfig } from "../config/types.ts";
import { OrchestratorError } from "../errors.ts";
import { LockFile } from "../lock.ts";
import { dirname } from "../path.ts";
import { directoryModeFor } from "../control/socket.ts";

/** Mode of the directories `run` creates for the event store and `log_dir`. */
export const PRIVATE_DIRECTORY_MODE = 0o700;

/** The lock file beside `path`. */
export function lockPathFor(path: string): string {
  return `${path}.lock`;
}

/** The event store's file, or `null` for an in-memory store. */
function storeFile(config: OrchestratorConfig): string | null {
  const path = config.event_store_path;
  return path === null || path === ":memory:" ? null : path;
}

function makeDirectory(dir: string, mode: number, what: string): void {
  try {
    Deno.mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    throw new OrchestratorError(
      500,
      `Cannot create the ${what} "${dir}": ${(error as Error).message}`,
      { path: dir },
    );
  }
}

/**
 * Takes `<socket>.lock` (when the control socket is on) and `<store>.lock`
 * (when the event store is a file), creating their directories first
 * (the socket's as the socket would, the store's 0700), then creates
 * `log_dir` (0700) when it is missing. Returns the locks, to release at exit.
 * Throws `LockHeldError` when another orchestrator holds one, and an
 * `OrchestratorError` naming the path when a directory or lock file cannot
 * be made; locks taken before the failure are released.
 */
export function prepareRunFiles(config: OrchestratorConfig): LockFile[] {
  const locks: LockFile[] = [];
  try {
    if (config.enable_command_interface) {
      const socket = config.command_socket_path;
      makeDirectory(
        dirname(socket),
        directoryModeFor(config.command_socket_permissions),
        "directory of the control socket",
      );
      locks.push(LockFile.acquire(lockPathFor(socket)));
    }
    const store = storeFile(config);
    if (store !== null) {
      makeDirectory(dirname(store), PRIVATE_DIRECTORY_MODE, "directory of the event store");
      locks.push(LockFile.acquire(lockPathFor(store)));
    }
    if (config.log_dir !== null) makeDirectory(config.log_dir, PRIVATE_DIRECTORY_MODE, "log_dir");
  } catch (error) {
    releaseAll(locks);
    throw error;
  }
  return locks;
}

/** Releases locks in reverse order of taking. */
export function releaseAll(locks: readonly LockFile[]): void {
  for (const lock of [...locks].reverse()) lock.release();
}
