/**
 * Shared range checks for durations and counts.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { numberOf } from "../nodes.ts";

/** Durations above this (one day) are reported as probably wrong. */
export const ABSURD_SECONDS = 86_400;

/**
 * Largest duration of any option, in seconds (about 11.6 days). Timers take
 * at most 2^31 − 1 ms (about 24.8 days) and fire at once past it, so every
 * accepted duration, and every delay computed from them (backoff is capped
 * by `backoff.max`), stays below that (docs/config.md, "Durations").
 */
export const MAX_DURATION_SECONDS = 1_000_000;

/**
 * A duration in seconds: `≤ 0` is an error (`< 0` when `allowZero`), more
 * than a day a warning, more than {@link MAX_DURATION_SECONDS} an error.
 * Non-numbers are left to the structure check.
 */
export function checkSeconds(
  ctx: RuleContext,
  node: Node | undefined,
  field: string,
  options: { allowZero?: boolean } = {},
): void {
  const value = numberOf(node);
  if (value === undefined) return;
  if (value < 0 || (value === 0 && options.allowZero !== true)) {
    ctx.error(
      field,
      node,
      `Duration ${value} must be ${options.allowZero === true ? "at least 0" : "greater than 0"}`,
    );
  } else if (value > MAX_DURATION_SECONDS) {
    ctx.error(
      field,
      node,
      `Duration ${value} s is more than the maximum of ${MAX_DURATION_SECONDS} s (about 11.6 days)`,
    );
  } else if (value > ABSURD_SECONDS) {
    ctx.warning(
      field,
      node,
      `Duration ${value} s is more than a day: is it meant to be in seconds?`,
    );
  }
}

/** An integer count that must be at least `min` (an error otherwise). */
export function checkMinimum(
  ctx: RuleContext,
  node: Node | undefined,
  field: string,
  min: number,
): void {
  const value = numberOf(node);
  if (value !== undefined && value < min) {
    ctx.error(field, node, `Value ${value} must be at least ${min}`);
  }
}
