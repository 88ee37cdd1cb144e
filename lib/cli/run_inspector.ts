/**
 * Closes the debugger Deno opens on SIGUSR1.
 *
 * Since Deno 2.9.2 a SIGUSR1 also starts the V8 inspector on
 * `127.0.0.1:9229` (Node's convention), whatever listeners the program has,
 * and no flag turns that off. Any local user can connect to that port and run
 * code as the orchestrator. SIGUSR1 is the signal logrotate sends to reopen
 * the log files, so `run` closes that debugger at once (the port stays open
 * for about 2 ms; closing it also drops any session opened in that time).
 * A debugger the operator opened on purpose (`--inspect`) is left alone.
 * See docs/operations.md, "Faults".
 *
 * @module
 */

import inspector from "node:inspector";

/** When to look for the debugger after a SIGUSR1, in ms (it starts on another thread). */
const CHECKS_MS = [0, 1, 5, 20, 100, 500];

/** Watches for the debugger a SIGUSR1 opens and closes it. */
export class SignalDebuggerGuard {
  /** A debugger was open before any SIGUSR1 (`--inspect`): the operator's, never closed. */
  readonly #operatorDebugger = inspector.url() !== undefined;

  /**
   * Call on SIGUSR1. Resolves with the URL of the debugger it closed, or
   * `null` when none was opened (or the open one is the operator's).
   */
  afterSigusr1(): Promise<string | null> {
    if (this.#operatorDebugger) return Promise.resolve(null);
    const closeNow = (): string | null => {
      const url = inspector.url();
      if (url === undefined) return null;
      inspector.close();
      return url;
    };
    const now = closeNow();
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      let index = 0;
      const next = () => {
        const closed = closeNow();
        index++;
        if (closed !== null || index >= CHECKS_MS.length) return resolve(closed);
        setTimeout(next, CHECKS_MS[index] - CHECKS_MS[index - 1]);
      };
      setTimeout(next, CHECKS_MS[0]);
    });
  }
}
