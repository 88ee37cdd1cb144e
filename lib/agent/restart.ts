/**
 * Restart policy and backoff (docs/config.md), as pure functions: no processes, no
 * timers. The orchestrator feeds them an exit and the restart history and
 * does what they return.
 *
 * @module
 */

import type { BackoffOptions, RestartPolicy } from "../config/types.ts";

/** How a process ended. */
export interface ExitInfo {
  /** Exit code; `null` when killed by a signal. */
  code: number | null;
  /** Signal name when killed by a signal, else `null`. */
  signal: string | null;
}

/** True when the exit counts as a success (`code` in `successCodes`). */
export function isSuccess(exit: ExitInfo, successCodes: readonly number[]): boolean {
  return exit.code !== null && successCodes.includes(exit.code);
}

/**
 * Whether `policy` asks for a restart after `exit`. A stop someone asked for
 * never reaches this function: it is never restarted.
 *
 * @example
 * ```ts
 * shouldRestart("on-failure", { code: 1, signal: null }, [0]); // true
 * shouldRestart("on-failure", { code: 0, signal: null }, [0]); // false
 * ```
 */
export function shouldRestart(
  policy: RestartPolicy,
  exit: ExitInfo,
  successCodes: readonly number[],
): boolean {
  switch (policy) {
    case "no":
      return false;
    case "always":
      return true;
    case "on-failure":
      return !isSuccess(exit, successCodes);
  }
}

/**
 * Seconds to wait before restart number `attempt` (0-based):
 * `min(initial * factor^attempt, max)`.
 *
 * @example
 * ```ts
 * backoffSeconds(3, { initial: 0.5, factor: 2, max: 30, reset_after: 60 }); // 4
 * ```
 */
export function backoffSeconds(attempt: number, opts: BackoffOptions): number {
  const raw = opts.initial * Math.pow(opts.factor, Math.max(0, attempt));
  if (!Number.isFinite(raw)) return Math.max(0, opts.max);
  return Math.max(0, Math.min(raw, opts.max));
}

/** What the orchestrator knows when a process of the agent has exited. */
export interface RestartInput {
  policy: RestartPolicy;
  exit: ExitInfo;
  successCodes: readonly number[];
  backoff: BackoffOptions;
  maxRestarts: number;
  /** Seconds. */
  restartWindow: number;
  /** Consecutive backoff attempts so far (0 after a long enough run). */
  attempt: number;
  /** Times (ms) of earlier restarts. */
  restartTimes: readonly number[];
  /** Seconds the process that just exited stayed up. */
  upSeconds: number;
  /** Now, in ms. */
  now: number;
}

/** The decision after an exit. */
export type RestartDecision =
  | { action: "done"; success: boolean }
  | { action: "restart"; delaySeconds: number; attempt: number; restartTimes: number[] }
  | { action: "fatal"; restarts: number };

/**
 * Decides what happens after an exit: settle (`done`), restart after a delay,
 * or give up (`fatal`, after `maxRestarts` restarts within `restartWindow`).
 * A run that stayed up `reset_after` seconds resets the attempt and the count.
 */
export function decideRestart(input: RestartInput): RestartDecision {
  if (!shouldRestart(input.policy, input.exit, input.successCodes)) {
    return { action: "done", success: isSuccess(input.exit, input.successCodes) };
  }
  const reset = input.upSeconds >= input.backoff.reset_after;
  const since = input.now - input.restartWindow * 1000;
  const recent = reset ? [] : input.restartTimes.filter((t) => t > since);
  if (recent.length >= input.maxRestarts) return { action: "fatal", restarts: recent.length };
  const attempt = reset ? 0 : input.attempt;
  return {
    action: "restart",
    delaySeconds: backoffSeconds(attempt, input.backoff),
    attempt: attempt + 1,
    restartTimes: [...recent, input.now],
  };
}

/** Restarts counted within the window ending at `now` (ms). */
export function restartsInWindow(
  restartTimes: readonly number[],
  windowSeconds: number,
  now: number,
): number {
  const since = now - windowSeconds * 1000;
  let n = 0;
  for (const t of restartTimes) if (t > since) n++;
  return n;
}
