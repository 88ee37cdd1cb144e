/**
 * The config's own JSON Schema (draft-07). `orchestrator schema` prints it
 * for editor completion (`"$schema": "./schema.json"`); the validator walks
 * it for types, enums, required and unknown keys (see `structure.ts`), and
 * the semantic rules in `rules/` add what a schema cannot say.
 *
 * @module
 */

import { COMMAND_NAMES, PRESETS } from "../protocol/commands.ts";
import { STOP_SIGNALS } from "../protocol/signals.ts";
import { DEFAULT_SOCKET_PATH } from "../protocol/socket.ts";
import {
  BACKOFF_DEFAULTS,
  CATEGORY_RETENTION_DEFAULTS,
  ORCHESTRATOR_DEFAULTS,
  READINESS_DEFAULTS,
} from "./defaults.ts";
import { MAX_DURATION_SECONDS } from "./rules/numbers.ts";

const seconds = (description: string, extra: Record<string, unknown> = {}) => ({
  type: "number",
  exclusiveMinimum: 0,
  maximum: MAX_DURATION_SECONDS,
  description: `${description} (seconds)`,
  ...extra,
});

/** A duration in seconds that may be 0. */
const secondsOrZero = (description: string, defaultValue: number) => ({
  type: "number",
  minimum: 0,
  maximum: MAX_DURATION_SECONDS,
  default: defaultValue,
  description: `${description} (seconds)`,
});

const nullableString = (description: string) => ({
  type: ["string", "null"],
  default: null,
  description,
});

const stringArray = { type: "array", items: { type: "string" } };

/** One category's limit in the object form of `event_retention`. */
const categoryLimit = (category: keyof typeof CATEGORY_RETENTION_DEFAULTS) => ({
  type: "integer",
  minimum: 1,
  default: CATEGORY_RETENTION_DEFAULTS[category],
  description: `Newest ${category} events kept`,
});

const ALLOWED_COMMANDS = {
  anyOf: [
    { type: "string", enum: Object.keys(PRESETS) },
    { type: "array", items: { type: "string", enum: [...COMMAND_NAMES] } },
    { type: "null" },
  ],
  default: null,
  description: 'Preset ("basic", "monitoring", "control", "all"), a list, or null (= all)',
};

const BLOCKED_COMMANDS = {
  type: "array",
  items: { type: "string", enum: [...COMMAND_NAMES] },
  default: [],
  description: "Commands always refused (wins over allowed_commands)",
};

/** A JSON Schema document, as plain data. */
export type JsonSchemaDocument = Readonly<Record<string, unknown>>;

/** The JSON Schema of a config file. */
export const CONFIG_SCHEMA: JsonSchemaDocument = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://orchestrator.invalid/config.schema.json",
  title: "orchestrator config",
  description: "Config of the orchestrator process orchestrator (JSONC).",
  type: "object",
  additionalProperties: false,
  properties: {
    $schema: { type: "string", description: "Path or URL of this schema, for editors" },
    enable_command_interface: {
      type: "boolean",
      default: ORCHESTRATOR_DEFAULTS.enable_command_interface,
      description: "Open the control socket",
    },
    command_socket_path: {
      type: "string",
      default: DEFAULT_SOCKET_PATH,
      description:
        "UNIX socket path; {user} expands to the running user; env ORCHESTRATOR_SOCKET_PATH overrides",
    },
    command_socket_permissions: {
      anyOf: [
        { type: "string", pattern: "^(0[oO]?)?[0-7]{3}$" },
        { type: "integer", minimum: 0, maximum: 511 },
      ],
      default: "0600",
      description: 'Socket file mode: "0600", "0o660" (strings are octal) or an integer mode',
    },
    command_timeout: seconds(
      "A command running longer answers 504 (stop, restart: at least stop_timeout + 5)",
      {
        default: ORCHESTRATOR_DEFAULTS.command_timeout,
      },
    ),
    allowed_commands: ALLOWED_COMMANDS,
    blocked_commands: BLOCKED_COMMANDS,
    log_cli_commands: {
      type: "boolean",
      default: ORCHESTRATOR_DEFAULTS.log_cli_commands,
      description: "Write command lines to the orchestrator log",
    },
    cli_audit_log_path: nullableString("Append-only audit log file; null = none"),
    cli_audit_log_max_bytes: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.cli_audit_log_max_bytes,
      description: "Size at which the audit log is rotated (bytes)",
    },
    cli_audit_log_max_files: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.cli_audit_log_max_files,
      description: "Rotated audit logs kept (audit.log.1 …)",
    },
    cli_log_level: {
      type: "string",
      enum: ["DEBUG", "INFO", "WARNING", "ERROR"],
      default: ORCHESTRATOR_DEFAULTS.cli_log_level,
      description: "Log level of the orchestrator log",
    },
    command_max_connections: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.command_max_connections,
      description: "Most simultaneous control connections; excess get 503",
    },
    command_idle_timeout: seconds("An idle control connection is closed after this", {
      default: ORCHESTRATOR_DEFAULTS.command_idle_timeout,
    }),
    command_max_frame_bytes: {
      type: "integer",
      minimum: 1024,
      default: ORCHESTRATOR_DEFAULTS.command_max_frame_bytes,
      description: "Largest accepted control frame in bytes",
    },
    command_socket_verify_peer: {
      type: "boolean",
      default: ORCHESTRATOR_DEFAULTS.command_socket_verify_peer,
      description: "Serve the socket through node:net and read each caller's uid, gid and pid " +
        "from the kernel (a socket passed by systemd always is)",
    },
    command_policies: {
      type: "array",
      items: { $ref: "#/definitions/command_policy" },
      default: [],
      description: "Per-user and per-group commands; the first entry matching the verified " +
        "caller decides, else allowed_commands (needs command_socket_verify_peer)",
    },
    command_frame_timeout: seconds("A started frame unfinished after this closes the connection", {
      default: ORCHESTRATOR_DEFAULTS.command_frame_timeout,
    }),
    command_max_buffered_bytes: {
      type: "integer",
      minimum: 1024,
      default: ORCHESTRATOR_DEFAULTS.command_max_buffered_bytes,
      description:
        "Bytes all control connections may hold together (unread input, queued answers); " +
        "at least command_max_frame_bytes",
    },
    max_workers: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.max_workers,
      description: "Agents running at once; the rest wait in pending",
    },
    shutdown_timeout: seconds("Default grace per agent before SIGKILL", {
      default: ORCHESTRATOR_DEFAULTS.shutdown_timeout,
    }),
    event_store_path: nullableString("SQLite file of the event store; null = in memory"),
    event_retention: {
      anyOf: [
        { type: "integer", minimum: 1 },
        {
          type: "object",
          additionalProperties: false,
          properties: {
            agent: categoryLimit("agent"),
            command: categoryLimit("command"),
            system: categoryLimit("system"),
          },
        },
      ],
      default: ORCHESTRATOR_DEFAULTS.event_retention,
      description: "Newest events kept: in total (an integer), or per category " +
        "({agent, command, system})",
    },
    log_dir: nullableString("Directory for per-agent stdout/stderr files (rotated); null = none"),
    output_buffer_bytes: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.output_buffer_bytes,
      description: "Captured output kept in memory per agent and stream (bytes)",
    },
    output_line_max_bytes: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.output_line_max_bytes,
      description: "Longest output line (bytes) shown by logs and matched by log_pattern; " +
        "longer lines are cut",
    },
    log_max_bytes: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.log_max_bytes,
      description: "Size at which a log_dir file is rotated (bytes)",
    },
    log_max_files: {
      type: "integer",
      minimum: 1,
      default: ORCHESTRATOR_DEFAULTS.log_max_files,
      description: "Rotated files kept per agent and stream",
    },
    containment: {
      type: "string",
      enum: ["auto", "cgroup", "subreaper", "process-group"],
      default: ORCHESTRATOR_DEFAULTS.containment,
      description:
        "How agents' descendants are contained: auto (cgroup, else subreaper, else process-group)",
    },
    forward_output: {
      type: "boolean",
      default: ORCHESTRATOR_DEFAULTS.forward_output,
      description: "Print agents' output lines on the orchestrator's stdout (name | line)",
    },
    resource_sample_interval: secondsOrZero(
      "Between samples of the agents' CPU and memory; 0 = no sampling",
      ORCHESTRATOR_DEFAULTS.resource_sample_interval,
    ),
    agents: {
      type: "array",
      items: { $ref: "#/definitions/agent" },
      default: [],
      description: "The agents",
    },
  },
  definitions: {
    command_policy: {
      type: "object",
      additionalProperties: false,
      required: ["allowed_commands"],
      properties: {
        users: {
          type: "array",
          items: { anyOf: [{ type: "string" }, { type: "integer", minimum: 0 }] },
          default: [],
          description: "User names or uids this entry is for",
        },
        groups: {
          type: "array",
          items: { anyOf: [{ type: "string" }, { type: "integer", minimum: 0 }] },
          default: [],
          description: "Group names or gids (primary or supplementary) this entry is for",
        },
        allowed_commands: ALLOWED_COMMANDS,
        blocked_commands: BLOCKED_COMMANDS,
      },
    },
    agent: {
      type: "object",
      additionalProperties: false,
      required: ["name", "tool_call_template"],
      properties: {
        name: {
          type: "string",
          pattern: "^[A-Za-z0-9_.-]+$",
          description: "Unique name, [A-Za-z0-9_.-]+",
        },
        description: { type: "string", default: "" },
        group: {
          type: "string",
          pattern: "^[A-Za-z0-9_.-]+$",
          description: "Group, [A-Za-z0-9_.-]+: the CLI selects its agents with group:NAME",
        },
        kind: {
          type: "string",
          enum: ["service", "task"],
          default: "service",
          description: "service (long-running) or task (runs to completion)",
        },
        inputs: {
          type: ["object", "boolean", "null"],
          default: null,
          description: "JSON Schema of values and call-time inputs",
        },
        values: {
          type: "object",
          default: {},
          description: "Values for ${name} placeholders, validated against inputs",
        },
        tool_call_template: { $ref: "#/definitions/call_template" },
        autostart: { type: "boolean", default: true, description: "Start when run starts" },
        depends_on: {
          type: "object",
          additionalProperties: {
            type: "string",
            enum: ["started", "ready", "completed", "completed_successfully"],
          },
          default: {},
          description: "Agent name -> condition to wait for",
        },
        restart: {
          type: "string",
          enum: ["no", "on-failure", "always"],
          description: "Restart policy; services default to on-failure, tasks to no",
        },
        max_restarts: {
          type: "integer",
          minimum: 0,
          default: 5,
          description: "Restarts allowed within restart_window; then fatal",
        },
        restart_window: seconds("Window in which max_restarts counts", { default: 60 }),
        backoff: { $ref: "#/definitions/backoff" },
        success_exit_codes: {
          type: "array",
          items: { type: "integer", minimum: 0, maximum: 255 },
          minItems: 1,
          default: [0],
          description: "Exit codes that count as success",
        },
        readiness: {
          anyOf: [{ $ref: "#/definitions/readiness" }, { type: "null" }],
          default: null,
          description: "Readiness probe: exactly one of log_pattern, tcp, exec",
        },
        stop_signal: {
          type: "string",
          enum: [...STOP_SIGNALS],
          default: "SIGTERM",
          description: "Signal sent to the process group on stop",
        },
        stop_timeout: seconds("Grace before SIGKILL; defaults to shutdown_timeout"),
        forward_output: {
          type: "boolean",
          description: "Print its output lines on the orchestrator's stdout; " +
            "defaults to the orchestrator's forward_output",
        },
      },
    },
    call_template: {
      type: "object",
      additionalProperties: false,
      required: ["command"],
      description: "UTCP cli call template",
      properties: {
        call_template_type: { type: "string", enum: ["cli"], default: "cli" },
        command: { type: "string", description: "Program (looked up on PATH) or shell text" },
        args: { ...stringArray, default: [], description: "Arguments; one arg stays one arg" },
        working_directory: nullableString("Working directory; null = the orchestrator's"),
        environment: {
          type: "object",
          additionalProperties: { type: "string" },
          default: {},
          description: "Variables layered over the orchestrator's environment",
        },
        timeout: {
          type: ["number", "null"],
          exclusiveMinimum: 0,
          maximum: MAX_DURATION_SECONDS,
          description: "Seconds; tasks default to 30, services to none (null)",
        },
        shell: { type: "boolean", default: false, description: "Run command through sh -c" },
        capture_output: { type: "boolean", default: true, description: "Capture stdout/stderr" },
      },
    },
    backoff: {
      type: "object",
      additionalProperties: false,
      description: "Exponential backoff between restarts (seconds)",
      properties: {
        initial: secondsOrZero("First delay", BACKOFF_DEFAULTS.initial),
        max: secondsOrZero("Longest delay", BACKOFF_DEFAULTS.max),
        factor: { type: "number", minimum: 1, default: BACKOFF_DEFAULTS.factor },
        reset_after: seconds("A run up this long resets the restart count", {
          default: BACKOFF_DEFAULTS.reset_after,
        }),
      },
    },
    readiness: {
      type: "object",
      additionalProperties: false,
      description: "Exactly one of log_pattern, tcp, exec",
      properties: {
        log_pattern: {
          type: ["string", "null"],
          description: "Regex matched against output lines",
        },
        tcp: { type: ["string", "null"], description: "host:port that must accept a connection" },
        exec: {
          type: ["array", "null"],
          items: { type: "string" },
          minItems: 1,
          description: "argv that must exit 0",
        },
        initial_delay: secondsOrZero("Before the first probe", READINESS_DEFAULTS.initial_delay),
        period: seconds("Between probes (tcp/exec)", { default: READINESS_DEFAULTS.period }),
        timeout: seconds("One probe may take (tcp/exec)", { default: READINESS_DEFAULTS.timeout }),
        failure_threshold: {
          type: "integer",
          minimum: 0,
          default: READINESS_DEFAULTS.failure_threshold,
          description: "Consecutive failed probes before the agent fails; 0 = never",
        },
      },
    },
  },
};
