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
 * A duration in seconds: `≤ 0` is an error (`< 0` when `allowZero`), more
 * than a day a warning. Non-numbers are left to the structure check.
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
