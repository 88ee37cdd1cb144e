/**
 * The `containment` option (docs/operations.md, "Containment"): a mode
 * asked for by name that this machine cannot give makes `run` refuse to
 * start, so the validator says so ahead (with filesystem checks on);
 * `process-group` gets a note on what it does not contain.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { properties, stringOf } from "../nodes.ts";
import { ownCgroupDirectory } from "../../containment/cgroup_location.ts";

/** Why cgroup containment cannot work here, or `null` when it looks possible. */
function cgroupProblem(): string | null {
  const location = ownCgroupDirectory();
  if (!location.ok) return location.reason;
  if (location.readOnly) return `"${location.dir}" is on a read-only mount`;
  if (Deno.uid() === 0) return null;
  try {
    const info = Deno.statSync(location.dir);
    if (info.uid === Deno.uid() && ((info.mode ?? 0) & 0o200) !== 0) return null;
  } catch (error) {
    return `cannot inspect "${location.dir}": ${(error as Error).message}`;
  }
  return `"${location.dir}" is not writable by this user (delegate it, e.g. systemd Delegate=yes)`;
}

/** Checks `containment` against what this machine offers. */
export function ruleContainment(ctx: RuleContext, root: Node): void {
  const node = properties(root).get("containment");
  const mode = stringOf(node);
  if (mode === "process-group") {
    ctx.info(
      "containment",
      node,
      'With "process-group", a process that leaves its agent\'s process group (setsid, double fork) outlives stop and the watchdog',
    );
  }
  if (ctx.fs === undefined) return;
  if (mode === "cgroup") {
    const problem = cgroupProblem();
    if (problem !== null) {
      ctx.warning(
        "containment",
        node,
        `Containment "cgroup" is not available here: ${problem}; run refuses to start`,
      );
    }
  } else if (mode === "subreaper" && Deno.build.os !== "linux") {
    ctx.warning(
      "containment",
      node,
      `Containment "subreaper" needs Linux, not "${Deno.build.os}": run refuses to start`,
    );
  }
}
