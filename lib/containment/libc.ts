/**
 * The two libc calls of subreaper mode, through lib/libc.ts (needs
 * `--allow-ffi`): `prctl(PR_SET_CHILD_SUBREAPER)` and `waitpid(pid, …,
 * WNOHANG)` on one pid. Never `waitpid(-1)`: that would take the exit
 * statuses of Deno's own children away from Deno.
 *
 * @module
 */

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

import { libc } from "../libc.ts";

/** What {@link reap} found. */
export type ReapResult = "reaped" | "running" | "not-a-child";

/** The libc calls subreaper mode uses. */
export interface Libc {
  /** Turns `PR_SET_CHILD_SUBREAPER` on or off for this process. Throws on failure. */
  setChildSubreaper(on: boolean): void;
  /** `waitpid(pid, NULL, WNOHANG)`: collects the exit of one child if it has exited. */
  reap(pid: number): ReapResult;
}

let opened: Libc | null = null;

/**
 * Opens libc (once per process). Throws with a clear message when FFI is
 * not permitted or libc cannot be loaded (not Linux/glibc-compatible).
 */
export function openLibc(): Libc {
  if (opened !== null) return opened;
  if (Deno.build.os !== "linux") {
    throw new Error(`Child subreapers exist only on Linux, not "${Deno.build.os}"`);
  }
  const lib = libc();
  if (lib === null) {
    throw new Error('Cannot load "libc.so.6" through Deno.dlopen (is --allow-ffi granted?)');
  }
  opened = {
    setChildSubreaper(on: boolean): void {
      const rc = lib.prctl(PR_SET_CHILD_SUBREAPER, on ? 1n : 0n, 0n, 0n, 0n);
      if (rc !== 0) throw new Error(`prctl(PR_SET_CHILD_SUBREAPER, ${on ? 1 : 0}) failed`);
    },
    reap(pid: number): ReapResult {
      if (!Number.isSafeInteger(pid) || pid <= 1) return "not-a-child";
      const rc = lib.waitpid(pid, null, WNOHANG);
      if (rc === pid) return "reaped";
      return rc === 0 ? "running" : "not-a-child";
    },
  };
  return opened;
}
