/**
 * Run ids of subreaper mode: each agent run's environment carries
 * `ORCHESTRATOR_RUN_ID=<orchestrator pid>.<scope key>.<run>`, and its
 * descendants inherit it, so an adopted process names the run it came from.
 *
 * @module
 */

/** The variable that names an agent run in subreaper mode. */
export const RUN_ID_VARIABLE = "ORCHESTRATOR_RUN_ID";

/** A run id: which orchestrator process, scope (a random key) and run. */
export interface RunId {
  pid: number;
  scope: number;
  run: number;
}

/** Formats a run id for the environment. */
export function formatRunId(id: RunId): string {
  return `${id.pid}.${id.scope}.${id.run}`;
}

/** Parses the value of {@link RUN_ID_VARIABLE}, or `null` when it is not a run id. */
export function parseRunId(value: string | null): RunId | null {
  const m = value === null ? null : /^([0-9]+)\.([0-9]+)\.([0-9]+)$/.exec(value);
  if (m === null) return null;
  const [pid, scope, run] = [m[1], m[2], m[3]].map(Number);
  return [pid, scope, run].every(Number.isSafeInteger) ? { pid, scope, run } : null;
}
