/**
 * The typed config model: what `loadConfig` returns once defaults are applied
 * and `{user}` / `ORCHESTRATOR_SOCKET_PATH` are resolved (docs/config.md). Field
 * names are snake_case, so the JSONC file, the JSON
 * Schema and this model use one vocabulary.
 *
 * @module
 */

import type { PresetName } from "../protocol/commands.ts";

/** Severity of a validation result (docs/config.md, "Checks"). */
export type Severity = "error" | "warning" | "info";

/** One validator finding, with the position of the offending node. */
export interface ValidationResult {
  severity: Severity;
  /** Path to the field, e.g. `agents[2].tool_call_template.args[1]`; `""` for the document. */
  field: string;
  message: string;
  /** 1-based line; 0 when the result has no position (e.g. unreadable file). */
  line: number;
  /** 1-based column; 0 when the result has no position. */
  column: number;
}

/** `cli_log_level` values. */
export type LogLevelName = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** What a dependent waits for (docs/config.md). */
export type DependencyCondition = "started" | "ready" | "completed" | "completed_successfully";

/**
 * How agents' descendants are contained (docs/operations.md, "Containment"):
 * `auto` takes `cgroup`, else `subreaper`, else `process-group`.
 */
export type ContainmentMode = "auto" | "cgroup" | "subreaper" | "process-group";

/**
 * One entry of `command_policies` (docs/systemd.md, "Per-user and per-group
 * policy"): the verified callers it is for and what they may run.
 */
export interface CommandPolicy {
  /** User names or numeric uids. */
  users: (string | number)[];
  /** Group names or numeric gids (primary or supplementary). */
  groups: (string | number)[];
  /** As written: a preset, a list, or `null` (= all). */
  allowed_commands: PresetName | string[] | null;
  /** Refused to these callers besides the global `blocked_commands`. */
  blocked_commands: string[];
}

/** Restart policy. */
export type RestartPolicy = "no" | "on-failure" | "always";

/** Agent kind: long-running service or run-to-completion task. */
export type AgentKind = "service" | "task";

/** A JSON Schema object (as given in `inputs`). */
export type JsonSchema = Record<string, unknown>;

/** The UTCP `cli` call template, field for field (defaults applied). */
export interface CliCallTemplate {
  call_template_type: "cli";
  command: string;
  args: string[];
  /** `null` = the orchestrator's working directory. */
  working_directory: string | null;
  /** Layered over the orchestrator's environment. Values may contain `${name}`. */
  environment: Record<string, string>;
  /** Seconds; `null` = no timeout. Tasks default to 30 (UTCP), services to `null`. */
  timeout: number | null;
  shell: boolean;
  capture_output: boolean;
}

/** Exponential backoff between restarts. Seconds. */
export interface BackoffOptions {
  initial: number;
  max: number;
  factor: number;
  /** A run that stayed up this long resets the restart count. */
  reset_after: number;
}

/** Readiness probe: exactly one of `log_pattern`, `tcp`, `exec` is set. */
export interface ReadinessProbe {
  /** Regular expression matched against each line of stdout/stderr. */
  log_pattern: string | null;
  /** `host:port` to connect to. */
  tcp: string | null;
  /** argv that must exit 0. */
  exec: string[] | null;
  /** Seconds before the first probe. Default 0. */
  initial_delay: number;
  /** Seconds between probes (tcp/exec). Default 1. */
  period: number;
  /** Seconds one probe may take (tcp/exec). Default 1. */
  timeout: number;
  /** Consecutive failed probes (tcp/exec) after which the agent is failed. Default 0 = never. */
  failure_threshold: number;
}

/** One agent: a UTCP tool plus orchestration fields (docs/config.md). */
export interface AgentConfig {
  /** Unique, `[A-Za-z0-9_.-]+`. */
  name: string;
  description: string;
  /** `[A-Za-z0-9_.-]+`, or `null`: the CLI selects a group's agents with `group:NAME`. */
  group: string | null;
  kind: AgentKind;
  /** JSON Schema of the values; `null` when not given. */
  inputs: JsonSchema | null;
  values: Record<string, unknown>;
  tool_call_template: CliCallTemplate;
  autostart: boolean;
  depends_on: Record<string, DependencyCondition>;
  /** Services default to `on-failure`, tasks to `no`. */
  restart: RestartPolicy;
  /** Restarts allowed within `restart_window`; then state `fatal`. Default 5. */
  max_restarts: number;
  /** Seconds. Default 60. */
  restart_window: number;
  backoff: BackoffOptions;
  success_exit_codes: number[];
  readiness: ReadinessProbe | null;
  /** Signal name, e.g. `SIGTERM`. */
  stop_signal: Deno.Signal;
  /** Seconds before SIGKILL. Defaults to the orchestrator's `shutdown_timeout`. */
  stop_timeout: number;
  /** Print its output lines on the orchestrator's stdout; `null`: the orchestrator's `forward_output`. */
  forward_output: boolean | null;
}

/** `event_retention` in its object form: newest events kept per category. */
export interface CategoryRetention {
  agent: number;
  command: number;
  system: number;
}

/** The whole config, defaults applied (docs/config.md). */
export interface OrchestratorConfig {
  enable_command_interface: boolean;
  /** Resolved: `{user}` expanded, `ORCHESTRATOR_SOCKET_PATH` applied. */
  command_socket_path: string;
  /** File mode, e.g. `0o600`. */
  command_socket_permissions: number;
  /** Seconds. */
  command_timeout: number;
  /** As written: a preset, a list, or `null` (= all). Resolve with `resolveAllowed`. */
  allowed_commands: PresetName | string[] | null;
  blocked_commands: string[];
  log_cli_commands: boolean;
  cli_audit_log_path: string | null;
  /** Size at which the audit log is rotated (bytes). Default 10 MiB. */
  cli_audit_log_max_bytes: number;
  /** Rotated audit logs kept (`audit.log.1` …). Default 5. */
  cli_audit_log_max_files: number;
  cli_log_level: LogLevelName;
  /** Most simultaneous control connections; excess get 503. Default 64. */
  command_max_connections: number;
  /** Seconds a control connection may stay idle before it is closed. Default 300. */
  command_idle_timeout: number;
  /** Largest accepted frame in bytes. Default 1 MiB. */
  command_max_frame_bytes: number;
  /**
   * Serve a socket the orchestrator binds itself through `node:net`, which
   * reads each client's uid, gid and pid from the kernel. Default false
   * (`Deno.listen`). A socket passed by systemd is always verified.
   */
  command_socket_verify_peer: boolean;
  /** Per-user and per-group command policies; the first matching entry decides. Default `[]`. */
  command_policies: CommandPolicy[];
  /** Seconds a started frame has to be finished before the connection is closed. Default 5. */
  command_frame_timeout: number;
  /** Bytes all control connections may hold together (unread input, queued answers). Default 64 MiB. */
  command_max_buffered_bytes: number;
  max_workers: number;
  /** Seconds; default grace per agent before SIGKILL. */
  shutdown_timeout: number;
  event_store_path: string | null;
  /** Newest events kept: in total (a number) or per category (the object form). */
  event_retention: number | CategoryRetention;
  log_dir: string | null;
  /** Bytes of captured output kept in memory per agent and stream. Default 64 KiB. */
  output_buffer_bytes: number;
  /** Longest line (bytes) that `logs` shows and log_pattern sees whole; longer ones are cut. Default 16 KiB. */
  output_line_max_bytes: number;
  /** Size at which a `log_dir` file is rotated. Default 10 MiB. */
  log_max_bytes: number;
  /** Rotated files kept per stream (`name.stdout.log.1` …). Default 5. */
  log_max_files: number;
  /** How agents' descendants are contained. Default `auto`. */
  containment: ContainmentMode;
  /** Print agents' output lines on the orchestrator's stdout (`name | line`). Default false. */
  forward_output: boolean;
  /** Seconds between samples of the agents' CPU and memory; 0 = no sampling. Default 2. */
  resource_sample_interval: number;
  agents: AgentConfig[];
}
