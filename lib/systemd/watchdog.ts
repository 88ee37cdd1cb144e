/**
 * The service manager's watchdog (docs/systemd.md, "Watchdog"): with
 * `WatchdogSec=` in the unit, systemd sets `WATCHDOG_USEC` (and
 * `WATCHDOG_PID`) and expects `WATCHDOG=1` more often than that, else it
 * kills and restarts the service. The pinger runs on a timer of the event
 * loop, so a loop that is stuck (a runaway computation, a blocking call)
 * stops the pings and systemd steps in: that is the point.
 *
 * @module
 */

import { DECIMAL, type Environment, invalidVariable } from "./env.ts";

/** The watchdog variables systemd sets. */
export const WATCHDOG_ENV = ["WATCHDOG_USEC", "WATCHDOG_PID"] as const;

/** Longest timer Deno accepts (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How often to send `WATCHDOG=1`, in ms: half of `WATCHDOG_USEC` (as
 * `sd_watchdog_enabled(3)` advises), at least 1 ms. Null when the watchdog
 * is off: `WATCHDOG_USEC` unset or `0`, or `WATCHDOG_PID` set to another
 * process. Throws an error naming the variable when a value is malformed.
 *
 * @example
 * ```ts
 * watchdogIntervalMs({ WATCHDOG_USEC: "30000000" }, Deno.pid); // 15000
 * ```
 */
export function watchdogIntervalMs(env: Environment, pid: number): number | null {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined) return null;
  if (!DECIMAL.test(usec)) {
    throw invalidVariable("WATCHDOG_USEC", usec, "not a count of microseconds");
  }
  const owner = env.WATCHDOG_PID;
  if (owner !== undefined) {
    if (!DECIMAL.test(owner) || Number(owner) === 0) {
      throw invalidVariable("WATCHDOG_PID", owner, "not a process id");
    }
    if (Number(owner) !== pid) return null;
  }
  const micros = Number(usec);
  if (micros === 0) return null;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(micros / 2000)));
}

/** A running watchdog pinger. */
export interface WatchdogPinger {
  /** Stops the pings. Idempotent. */
  stop(): void;
}

/**
 * Calls `ping` now and then every `intervalMs` while the event loop runs.
 * The timer does not keep the process alive.
 */
export function startWatchdog(ping: () => void, intervalMs: number): WatchdogPinger {
  ping();
  const id = setInterval(ping, intervalMs);
  Deno.unrefTimer(id);
  return { stop: () => clearInterval(id) };
}
