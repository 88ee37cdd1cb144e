/**
 * The difference between the config an orchestrator runs and a new one
 * (docs/operations.md, "Changing the config"), as pure functions: which
 * agents are added, removed, changed (they need a new process) or updated in
 * place, and which orchestrator options apply while running or only after a
 * restart. Both configs are the normalized model (defaults applied), so a
 * default written out is no change.
 *
 * @example
 * ```ts
 * const plan = planReload(running, next);
 * plan.changed;          // ["web"]: its tool_call_template.args differ
 * plan.updated_in_place; // ["db"]: only its description differs
 * ```
 *
 * @module
 */

import type { AgentConfig, OrchestratorConfig } from "../config/types.ts";
import type { AgentState } from "../agent/state.ts";
import type { ReloadReport } from "../agent/info.ts";

/**
 * Agent fields a running process does not depend on: a change to them is
 * applied to the agent's record and its process keeps running. They are read
 * when they are needed (next exit, next stop, next start, next probe).
 */
export const IN_PLACE_FIELDS: readonly (keyof AgentConfig)[] = [
  "description",
  "group",
  "inputs",
  "autostart",
  "depends_on",
  "restart",
  "max_restarts",
  "restart_window",
  "backoff",
  "success_exit_codes",
  "stop_signal",
  "stop_timeout",
];

/** The timing fields of `readiness`, applied in place (the kind of probe needs a new process). */
export const IN_PLACE_READINESS: readonly string[] = [
  "initial_delay",
  "period",
  "timeout",
  "failure_threshold",
];

/**
 * Orchestrator options a reload applies while running. Every other option
 * that differs (the socket, the event store's path, output bounds, log_dir,
 * containment, and any option not listed here) is reported in
 * `needs_restart` and keeps its value until `run` starts again.
 */
export const LIVE_OPTIONS: readonly (keyof OrchestratorConfig)[] = [
  "allowed_commands",
  "blocked_commands",
  "command_policies",
  "command_timeout",
  "command_idle_timeout",
  "command_frame_timeout",
  "command_max_buffered_bytes",
  "command_max_connections",
  "command_max_frame_bytes",
  "log_cli_commands",
  "cli_audit_log_path",
  "cli_audit_log_max_bytes",
  "cli_audit_log_max_files",
  "cli_log_level",
  "max_workers",
  "shutdown_timeout",
  "event_retention",
  "resource_sample_interval",
];

/** States in which a changed agent has a process to replace: a reload restarts it. */
export const RESTART_STATES: readonly AgentState[] = ["starting", "running", "ready", "paused"];

/** What a reload would change, before the agents' states are known. */
export type ReloadPlan = Omit<ReloadReport, "file" | "dry_run" | "restarted">;

/** Agent fields compared field by field (`tool_call_template.args`). */
const NESTED: readonly string[] = ["tool_call_template", "backoff", "readiness"];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when two JSON values are equal (object keys in any order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

/** The keys of both objects: `a`'s in order, then those only `b` has. */
function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/**
 * The fields in which two configs of one agent differ, as paths
 * (`description`, `tool_call_template.args`, `readiness.period`).
 */
export function agentChanges(before: AgentConfig, after: AgentConfig): string[] {
  const out: string[] = [];
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  for (const key of unionKeys(a, b)) {
    const x = a[key];
    const y = b[key];
    if (sameJson(x, y)) continue;
    if (NESTED.includes(key) && isPlainObject(x) && isPlainObject(y)) {
      for (const sub of unionKeys(x, y)) {
        if (!sameJson(x[sub], y[sub])) out.push(`${key}.${sub}`);
      }
    } else {
      out.push(key);
    }
  }
  return out;
}

/** True when a changed field (a path of {@link agentChanges}) needs no new process. */
export function inPlace(path: string): boolean {
  const [top, sub] = path.split(".", 2);
  if (top === "readiness") return sub !== undefined && IN_PLACE_READINESS.includes(sub);
  return (IN_PLACE_FIELDS as readonly string[]).includes(top);
}

/**
 * The difference between the running config and `next`: agents added
 * (in `next`'s order), removed (in `current`'s order), changed (a field
 * that needs a new process differs), updated in place (only
 * {@link IN_PLACE_FIELDS} and readiness timing differ), the count of the
 * unchanged, and the orchestrator options that differ, split into those
 * applied live ({@link LIVE_OPTIONS}) and those that need a restart.
 */
export function planReload(current: OrchestratorConfig, next: OrchestratorConfig): ReloadPlan {
  const old = new Map(current.agents.map((a) => [a.name, a]));
  const names = new Set(next.agents.map((a) => a.name));
  const plan: ReloadPlan = {
    added: [],
    removed: current.agents.filter((a) => !names.has(a.name)).map((a) => a.name),
    changed: [],
    updated_in_place: [],
    unchanged: 0,
    fields: {},
    options_applied: [],
    needs_restart: [],
  };
  for (const agent of next.agents) {
    const before = old.get(agent.name);
    if (before === undefined) {
      plan.added.push(agent.name);
      continue;
    }
    const fields = agentChanges(before, agent);
    if (fields.length === 0) {
      plan.unchanged++;
      continue;
    }
    plan.fields[agent.name] = fields;
    if (fields.every(inPlace)) plan.updated_in_place.push(agent.name);
    else plan.changed.push(agent.name);
  }
  const a = current as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  for (const key of unionKeys(a, b)) {
    if (key === "agents" || sameJson(a[key], b[key])) continue;
    const live = (LIVE_OPTIONS as readonly string[]).includes(key);
    (live ? plan.options_applied : plan.needs_restart).push(key);
  }
  return plan;
}

/**
 * The config a reload runs with: `next`, except the options of
 * `needsRestart`, which keep their running value.
 */
export function effectiveConfig(
  current: OrchestratorConfig,
  next: OrchestratorConfig,
  needsRestart: readonly string[],
): OrchestratorConfig {
  const out = { ...next } as Record<string, unknown>;
  const kept = current as unknown as Record<string, unknown>;
  for (const key of needsRestart) {
    if (Object.hasOwn(kept, key)) out[key] = kept[key];
    else delete out[key];
  }
  return out as unknown as OrchestratorConfig;
}

/**
 * The `changed` agents a reload restarts: those in a {@link RESTART_STATES}
 * state now (`state` looks an agent up by name). The others get the new
 * config and keep their state: a queued or backing-off agent starts with it.
 */
export function toRestart(
  plan: Pick<ReloadPlan, "changed">,
  state: (name: string) => AgentState | undefined,
): string[] {
  return plan.changed.filter((name) => {
    const s = state(name);
    return s !== undefined && RESTART_STATES.includes(s);
  });
}
