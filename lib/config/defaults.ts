/**
 * Defaults, applied in one place (docs/config.md). `withDefaults` takes a config
 * object that has already been validated (or was written by hand in a test)
 * and returns the full typed model. It never throws on well-typed input.
 *
 * @module
 */

import type {
  AgentConfig,
  AgentKind,
  BackoffOptions,
  CategoryRetention,
  CliCallTemplate,
  CommandPolicy,
  OrchestratorConfig,
  ReadinessProbe,
} from "./types.ts";
import { userName } from "../users.ts";
import { DEFAULT_SOCKET_PATH } from "../protocol/socket.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/limits.ts";

/** Orchestrator-level defaults (everything but `agents`). */
export const ORCHESTRATOR_DEFAULTS: Readonly<Omit<OrchestratorConfig, "agents">> = {
  enable_command_interface: false,
  command_socket_path: DEFAULT_SOCKET_PATH,
  command_socket_permissions: 0o600,
  command_timeout: 30,
  allowed_commands: null,
  blocked_commands: [],
  log_cli_commands: true,
  cli_audit_log_path: null,
  cli_audit_log_max_bytes: 10 * 1024 * 1024,
  cli_audit_log_max_files: 5,
  cli_log_level: "INFO",
  command_max_connections: 64,
  command_idle_timeout: 300,
  command_max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
  command_socket_verify_peer: false,
  command_policies: [],
  command_frame_timeout: 5,
  command_max_buffered_bytes: 64 * 1024 * 1024,
  max_workers: 10,
  shutdown_timeout: 10,
  event_store_path: null,
  event_retention: 100_000,
  log_dir: null,
  output_buffer_bytes: 64 * 1024,
  output_line_max_bytes: 16 * 1024,
  log_max_bytes: 10 * 1024 * 1024,
  log_max_files: 5,
  containment: "auto",
  forward_output: false,
  resource_sample_interval: 5,
};

/** Limits of the categories the object form of `event_retention` leaves out. */
export const CATEGORY_RETENTION_DEFAULTS: Readonly<CategoryRetention> = {
  agent: 100_000,
  command: 100_000,
  system: 100_000,
};

/** Backoff defaults. */
export const BACKOFF_DEFAULTS: Readonly<BackoffOptions> = {
  initial: 0.5,
  max: 30,
  factor: 2,
  reset_after: 60,
};

/** Readiness timing defaults. */
export const READINESS_DEFAULTS: Readonly<
  Pick<ReadinessProbe, "initial_delay" | "period" | "timeout" | "failure_threshold">
> = { initial_delay: 0, period: 1, timeout: 1, failure_threshold: 0 };

/** Task timeout when none is given (UTCP default). */
export const TASK_TIMEOUT_SECONDS = 30;

/** A partial agent as written in a config (after validation). */
export type AgentInput =
  & Partial<Omit<AgentConfig, "tool_call_template" | "backoff" | "readiness">>
  & {
    name: string;
    tool_call_template: Partial<CliCallTemplate> & { command: string };
    backoff?: Partial<BackoffOptions>;
    readiness?: Partial<ReadinessProbe> | null;
  };

/** A `command_policies` entry as written (after validation). */
export type CommandPolicyInput = Partial<CommandPolicy> & Pick<CommandPolicy, "allowed_commands">;

/** A partial config as written (after validation). */
export type ConfigInput =
  & Partial<Omit<OrchestratorConfig, "agents" | "event_retention" | "command_policies">>
  & {
    agents?: AgentInput[];
    event_retention?: number | Partial<CategoryRetention>;
    command_policies?: CommandPolicyInput[];
  };

/** Fills the missing fields of a `command_policies` entry. */
export function policyWithDefaults(policy: CommandPolicyInput): CommandPolicy {
  return {
    users: policy.users ?? [],
    groups: policy.groups ?? [],
    allowed_commands: policy.allowed_commands,
    blocked_commands: policy.blocked_commands ?? [],
  };
}

function templateWithDefaults(
  kind: AgentKind,
  t: AgentInput["tool_call_template"],
): CliCallTemplate {
  return {
    call_template_type: "cli",
    command: t.command,
    args: t.args ?? [],
    working_directory: t.working_directory ?? null,
    environment: t.environment ?? {},
    timeout: t.timeout ?? (kind === "task" ? TASK_TIMEOUT_SECONDS : null),
    shell: t.shell ?? false,
    capture_output: t.capture_output ?? true,
  };
}

function readinessWithDefaults(r: AgentInput["readiness"]): ReadinessProbe | null {
  if (r === undefined || r === null) return null;
  return {
    log_pattern: r.log_pattern ?? null,
    tcp: r.tcp ?? null,
    exec: r.exec ?? null,
    initial_delay: r.initial_delay ?? READINESS_DEFAULTS.initial_delay,
    period: r.period ?? READINESS_DEFAULTS.period,
    timeout: r.timeout ?? READINESS_DEFAULTS.timeout,
    failure_threshold: r.failure_threshold ?? READINESS_DEFAULTS.failure_threshold,
  };
}

/** Fills every agent field that is missing. */
export function agentWithDefaults(agent: AgentInput, shutdownTimeout: number): AgentConfig {
  const kind = agent.kind ?? "service";
  return {
    name: agent.name,
    description: agent.description ?? "",
    group: agent.group ?? null,
    kind,
    inputs: agent.inputs ?? null,
    values: agent.values ?? {},
    tool_call_template: templateWithDefaults(kind, agent.tool_call_template),
    autostart: agent.autostart ?? true,
    depends_on: agent.depends_on ?? {},
    restart: agent.restart ?? (kind === "service" ? "on-failure" : "no"),
    max_restarts: agent.max_restarts ?? 5,
    restart_window: agent.restart_window ?? 60,
    backoff: { ...BACKOFF_DEFAULTS, ...agent.backoff },
    success_exit_codes: agent.success_exit_codes ?? [0],
    readiness: readinessWithDefaults(agent.readiness),
    stop_signal: agent.stop_signal ?? "SIGTERM",
    stop_timeout: agent.stop_timeout ?? shutdownTimeout,
    forward_output: agent.forward_output ?? null,
  };
}

/**
 * Expands `{user}` in a socket path and applies `ORCHESTRATOR_SOCKET_PATH`
 * (which wins over the config).
 */
export function resolveSocketPath(
  configured: string,
  env: { get(name: string): string | undefined },
  user: string,
): string {
  const fromEnv = env.get("ORCHESTRATOR_SOCKET_PATH");
  const path = fromEnv !== undefined && fromEnv !== "" ? fromEnv : configured;
  return path.replaceAll("{user}", user);
}

/**
 * Returns the full config model for a validated partial config.
 *
 * @example
 * ```ts
 * const config = withDefaults({ agents: [{ name: "a", tool_call_template: { command: "sleep", args: ["1"] } }] });
 * config.agents[0].restart; // "on-failure"
 * ```
 */
export function withDefaults(input: ConfigInput): OrchestratorConfig {
  const base = { ...ORCHESTRATOR_DEFAULTS };
  for (const key of Object.keys(base) as (keyof typeof base)[]) {
    const value = input[key];
    if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  }
  if (typeof base.event_retention === "object") {
    base.event_retention = { ...CATEGORY_RETENTION_DEFAULTS, ...base.event_retention };
  }
  return {
    ...base,
    command_policies: (input.command_policies ?? []).map(policyWithDefaults),
    agents: (input.agents ?? []).map((a) => agentWithDefaults(a, base.shutdown_timeout)),
  };
}

/**
 * The running user's name for `{user}`: the `/etc/passwd` entry of the real
 * uid, else `USER` / `LOGNAME`, else the numeric uid.
 */
export function currentUser(
  env: { get(name: string): string | undefined } = Deno.env,
): string {
  const uid = Deno.uid();
  const name = uid === null ? undefined : userName(uid);
  if (name !== undefined) return name;
  const fromEnv = env.get("USER") ?? env.get("LOGNAME");
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return uid === null ? "unknown" : String(uid);
}
