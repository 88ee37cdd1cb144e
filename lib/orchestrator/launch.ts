/**
 * Template → process for one agent: resolves the UTCP cli template with the
 * agent's call-time inputs, values and the environment, decides whether
 * output is piped, and spawns the process in its own group.
 *
 * @module
 */

import { type AgentProcess, spawnProcess } from "../agent/process.ts";
import { resolveTemplate } from "../agent/template.ts";
import type { Containment } from "../containment/containment.ts";
import type { Agent } from "./agent.ts";
import { capText } from "../text_cap.ts";

/** Result of {@link launchProcess}: the process, or why the agent fails (with its protocol code). */
export type Launch =
  | { ok: true; proc: AgentProcess }
  | { ok: false; code: 400 | 409; reason: string };

/** Options of {@link launchProcess}. */
export interface LaunchOptions {
  /** Environment lookup for `${name}`. */
  env: (name: string) => string | undefined;
  /** The orchestrator's `log_dir`. */
  logDir: string | null;
  /** The containment in force, or `null`. */
  containment?: Containment | null;
  /** True when the run's lines are forwarded to the orchestrator's stdout. */
  forward?: boolean;
}

/**
 * Spawns the agent's process. Output is piped when it is captured, written
 * to log files (`logDir`), forwarded or matched by a log_pattern probe;
 * otherwise it goes to /dev/null. With `containment`, the process is spawned
 * into the agent's cgroup or with its run id (docs/operations.md,
 * "Containment"). Never throws.
 */
export function launchProcess(agent: Agent, options: LaunchOptions): Launch {
  const { env, logDir, forward } = options;
  const containment = options.containment ?? null;
  const config = agent.config;
  const template = config.tool_call_template;
  const resolved = resolveTemplate(template, {
    inputs: agent.inputs,
    values: config.values,
    env,
  }, config.name);
  if (!resolved.ok) return { ok: false, code: 400, reason: resolved.reason };
  const probe = config.readiness;
  const pipe = template.capture_output || logDir !== null || forward === true ||
    (probe !== null && probe.log_pattern !== null);
  try {
    const contain = containment?.forSpawn(config.name);
    const proc = spawnProcess(resolved.value, { pipe, cgroup: contain?.cgroup, env: contain?.env });
    containment?.started(config.name, proc.pid);
    return { ok: true, proc };
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such program or working directory"
      : (error as Error).message;
    const command = capText(resolved.value.command);
    return { ok: false, code: 409, reason: `Cannot spawn "${command}": ${capText(why)}` };
  }
}
