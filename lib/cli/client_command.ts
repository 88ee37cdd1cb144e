/**
 * What every client command shares: flag parsing (a tiny parser — loading
 * `node:util` costs ~7 ms per call, a third of the `ps` budget), socket
 * resolution, one request over the control socket, and the exit codes
 * (0 success, 1 the orchestrator answered an error, 2 usage, 3 cannot
 * connect or timed out).
 *
 * A `lib/cli/<command>.ts` file is a `ClientCommandSpec` plus
 * `main = (argv) => runClientCommand(spec, argv)`.
 *
 * @module
 */

import { ClientError, ControlClient } from "../control/client.ts";
import type { ControlResponse } from "../control/protocol.ts";
import type { CommandName } from "../protocol/commands.ts";
import { DEFAULT_SOCKET_PATH } from "../protocol/socket.ts";
import { COMMAND_SUMMARIES } from "./summaries.ts";
import { colorEnabled, type FormatOptions } from "./format.ts";
import { MAX_SOCKET_PATH_BYTES } from "../protocol/socket.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { formatAgentAction } from "./views.ts";

/** A command-specific flag. */
export interface FlagSpec {
  name: string;
  type: "string" | "boolean";
  help: string;
  /** Placeholder in help, e.g. `N`. */
  value?: string;
  /** A string flag that may repeat (values collected in order). */
  multiple?: boolean;
}

/** Parsed command line. */
export interface ParsedArgs {
  positionals: string[];
  /** Flag name → value; repeated flags → string[]. */
  flags: Record<string, string | boolean | string[]>;
}

/** What the human formatter returns: text, or text plus stderr and exit code. */
export type Formatted = string | { stdout?: string; stderr?: string; exitCode?: number };

/** A client command. */
export interface ClientCommandSpec {
  /** The control command it sends; its summary is `COMMAND_SUMMARIES[name]`. */
  name: CommandName;
  /** Agent positional: none, optional or required. */
  agent: "none" | "optional" | "required";
  flags?: FlagSpec[];
  /** Builds the request options from the parsed flags (400-style problems throw UsageError). */
  options?(args: ParsedArgs): Record<string, unknown>;
  /** Human output of a success response's data. */
  format(data: never, options: FormatOptions): Formatted;
  /** Extra help text after the flags. */
  notes?: string;
}

/** Flags every client command accepts. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: "socket", type: "string", value: "PATH", help: "Control socket path" },
  {
    name: "config",
    type: "string",
    value: "FILE",
    help: "Take the socket path from this config file",
  },
  { name: "json", type: "boolean", help: "Print the response as JSON, exactly as received" },
  {
    name: "timeout",
    type: "string",
    value: "S",
    help: "Seconds to wait for the answer (default 60)",
  },
  { name: "help", type: "boolean", help: "Show this help" },
];

/**
 * Parses `argv` against `specs`: `--name value`, `--name=value`, `-h`, and
 * `--` to end flags. Unknown flags and missing values throw `UsageError`.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedArgs = { positionals: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      out.flags.help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg.startsWith("-") && arg !== "-") throw new UsageError(`Unknown flag "${arg}"`);
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`Unknown flag "--${name}"`);
    if (spec.type === "boolean") {
      if (eq >= 0) throw new UsageError(`Flag "--${name}" takes no value`);
      out.flags[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`Flag "--${name}" needs a value`);
      value = argv[++i];
    }
    if (spec.multiple === true) {
      const prev = out.flags[name];
      out.flags[name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else {
      out.flags[name] = value;
    }
  }
  return out;
}

/** A string flag's value, or `undefined`. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A positive integer flag (UsageError otherwise). */
export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`Flag "--${name}" must be a positive integer, got "${v}"`);
  }
  return n;
}

/** Seconds from `--timeout` (positive number), or `fallback`. */
export function timeoutSeconds(args: ParsedArgs, fallback: number): number {
  const v = stringFlag(args, "timeout");
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`Flag "--timeout" must be a positive number of seconds, got "${v}"`);
  }
  return n;
}

/**
 * Call-time inputs from `--inputs JSON` and repeated `--input key=value`
 * (string values; they win over `--inputs`).
 */
export function inputsFlag(args: ParsedArgs): Record<string, unknown> | undefined {
  let inputs: Record<string, unknown> | undefined;
  const json = stringFlag(args, "inputs");
  if (json !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`Flag "--inputs" is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UsageError(`Flag "--inputs" must be a JSON object`);
    }
    inputs = { ...value as Record<string, unknown> };
  }
  const pairs = args.flags.input;
  if (Array.isArray(pairs)) {
    inputs ??= {};
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`Flag "--input" must be key=value, got "${pair}"`);
      inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return inputs;
}

/** Request options carrying the call-time inputs, if any were given (`start`, `restart`, `call`). */
export function inputsOptions(args: ParsedArgs): Record<string, unknown> {
  const inputs = inputsFlag(args);
  return inputs === undefined ? {} : { inputs };
}

/** The flags for call-time inputs (`start`, `restart`, `call`). */
export const INPUT_FLAGS: readonly FlagSpec[] = [
  { name: "inputs", type: "string", value: "JSON", help: "Call-time inputs as a JSON object" },
  {
    name: "input",
    type: "string",
    value: "KEY=VALUE",
    multiple: true,
    help: "One call-time input (repeatable; string value)",
  },
];

/** The help text of a command. */
export function helpText(spec: ClientCommandSpec): string {
  const agent = spec.agent === "required"
    ? " <agent>"
    : spec.agent === "optional"
    ? " [agent]"
    : "";
  const flags = [...(spec.flags ?? []), ...COMMON_FLAGS];
  const left = flags.map((f) => `--${f.name}${f.value === undefined ? "" : ` ${f.value}`}`);
  const width = Math.max(...left.map((l) => l.length));
  return [
    `Usage: orchestrator ${spec.name}${agent} [options]`,
    "",
    COMMAND_SUMMARIES[spec.name],
    "",
    "Options:",
    ...flags.map((f, i) => `  ${left[i].padEnd(width)}  ${f.help}`),
    "",
    "Socket: --socket, else $ORCHESTRATOR_SOCKET_PATH, else the config's command_socket_path " +
    `(--config), else ${DEFAULT_SOCKET_PATH}. A positional argument containing "/" is taken ` +
    "as the socket path.",
    ...(spec.notes === undefined ? [] : ["", spec.notes]),
    "Exit codes: 0 success, 1 the orchestrator answered an error, 2 usage, 3 cannot connect or timed out.",
  ].join("\n");
}

/** The socket a client command talks to, and where that path came from. */
export interface SocketTarget {
  path: string;
  /** Named in connect errors: `from --socket`, `the default; set --socket, …` … */
  origin: string;
}

/** Where the default socket path is named from: what the user can set instead. */
export const DEFAULT_ORIGIN = "the default; set --socket, ORCHESTRATOR_SOCKET_PATH or --config";

/**
 * Checks a socket path the client is about to use: empty, NUL bytes and
 * paths over the OS limit are usage errors (exit 2), not connect failures.
 */
export function checkSocketPath(target: SocketTarget): SocketTarget {
  const where = `Socket path ${JSON.stringify(target.path)} (${target.origin})`;
  if (target.path === "") throw new UsageError(`Socket path (${target.origin}) is empty`);
  if (target.path.includes("\0")) throw new UsageError(`${where} contains a NUL byte`);
  const bytes = new TextEncoder().encode(target.path).length;
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new UsageError(
      `${where} is ${bytes} bytes: the limit is ${MAX_SOCKET_PATH_BYTES} bytes`,
    );
  }
  return target;
}

/**
 * Resolves the socket: `--socket` (or a positional path) > env
 * `ORCHESTRATOR_SOCKET_PATH` (when non-empty) > `--config` > default.
 * `--socket ''` and a config with the command interface disabled are usage
 * errors.
 */
export async function resolveSocket(
  args: ParsedArgs,
  positionalSocket?: string,
): Promise<SocketTarget> {
  const flag = stringFlag(args, "socket");
  if (flag !== undefined) {
    if (flag === "") throw new UsageError(`Flag "--socket" is empty: give a socket path`);
    return checkSocketPath({ path: flag, origin: "from --socket" });
  }
  if (positionalSocket !== undefined) {
    return checkSocketPath({ path: positionalSocket, origin: "from the argument" });
  }
  const env = Deno.env.get("ORCHESTRATOR_SOCKET_PATH");
  if (env !== undefined && env !== "") {
    return checkSocketPath({ path: env, origin: "from ORCHESTRATOR_SOCKET_PATH" });
  }
  const config = stringFlag(args, "config");
  if (config !== undefined) {
    // A computed specifier: `deno run` prepares every literal dynamic import of a module
    // (and the npm packages behind config_socket.ts) when the module loads, ~5 ms per call.
    const { socketPathFromConfig } = await import(
      new URL("./config_socket.ts", import.meta.url).href
    ) as typeof import("./config_socket.ts");
    const socket = await socketPathFromConfig(config);
    if (!socket.enabled) {
      throw new UsageError(
        `Config ${
          JSON.stringify(config)
        } has enable_command_interface: false: no socket to connect to`,
      );
    }
    return checkSocketPath({ path: socket.path, origin: `from config ${JSON.stringify(config)}` });
  }
  return { path: DEFAULT_SOCKET_PATH, origin: DEFAULT_ORIGIN };
}

/** Splits positionals into the socket path (contains "/") and the rest. */
export function splitPositionals(positionals: readonly string[]): {
  socket?: string;
  rest: string[];
} {
  const paths = positionals.filter((p) => p.includes("/"));
  if (paths.length > 1) {
    throw new UsageError(`More than one socket path given: ${paths.join(", ")}`);
  }
  return { socket: paths[0], rest: positionals.filter((p) => !p.includes("/")) };
}

/** Parsed and checked command line of a client command. */
export interface Invocation {
  args: ParsedArgs;
  agent?: string;
  socket: string;
  /** Where `socket` came from (see {@link SocketTarget}). */
  socketOrigin: string;
  timeoutMs: number;
  json: boolean;
}

/** Parses argv for `spec`; returns `null` when `--help` was asked for. */
export async function parseInvocation(
  spec: ClientCommandSpec,
  argv: readonly string[],
  defaultTimeout = 60,
): Promise<Invocation | null> {
  const args = parseFlags(argv, [...(spec.flags ?? []), ...COMMON_FLAGS]);
  if (args.flags.help === true) return null;
  const { socket, rest } = splitPositionals(args.positionals);
  if (spec.agent === "none" && rest.length > 0) {
    throw new UsageError(`Command "${spec.name}" takes no arguments, got "${rest[0]}"`);
  }
  if (spec.agent === "required" && rest.length === 0) {
    throw new UsageError(`Command "${spec.name}" needs an agent name`);
  }
  if (rest.length > 1) throw new UsageError(`Command "${spec.name}" takes one agent name`);
  const timeout = timeoutSeconds(args, defaultTimeout);
  const target = await resolveSocket(args, socket);
  const inv: Invocation = {
    args,
    socket: target.path,
    socketOrigin: target.origin,
    timeoutMs: timeout * 1000,
    json: args.flags.json === true,
  };
  if (rest.length === 1) inv.agent = rest[0];
  return inv;
}

/** Turns a response into the CLI result (exit 0 / 1), using `spec.format` for success. */
export function renderResponse(
  spec: ClientCommandSpec,
  response: ControlResponse,
  json: boolean,
): CliResult {
  if (json) {
    return {
      exitCode: response.status === "success" ? EXIT.ok : EXIT.error,
      stdout: JSON.stringify(response),
    };
  }
  if (response.status === "error") {
    return { exitCode: EXIT.error, stderr: `Error ${response.code}: ${response.error}` };
  }
  const out = spec.format(response.data as never, { color: colorEnabled() });
  if (typeof out === "string") return { exitCode: EXIT.ok, stdout: out };
  return { exitCode: out.exitCode ?? EXIT.ok, stdout: out.stdout, stderr: out.stderr };
}

/** The CLI result for a failure to reach the orchestrator (exit 3). */
export function unavailable(error: ClientError): CliResult {
  return { exitCode: EXIT.unavailable, stderr: error.message };
}

/**
 * Sends one request for an invocation. The timeout is an
 * `AbortSignal.timeout` rather than a `setTimeout` (whose first use costs
 * ~8 ms in Deno); it is not cancelled, which is fine because `cli.ts` exits
 * explicitly once the command returns.
 */
export async function send(
  inv: Invocation,
  command: string,
  options: Record<string, unknown>,
): Promise<ControlResponse> {
  const signal = AbortSignal.timeout(Math.max(1, Math.round(inv.timeoutMs)));
  const client = await ControlClient.connect(inv.socket, { signal, origin: inv.socketOrigin });
  try {
    return await client.request(command, inv.agent === undefined ? [] : [inv.agent], options);
  } finally {
    client.close();
  }
}

/** Runs a client command end to end: parse, connect, request, format. */
export async function runClientCommand(
  spec: ClientCommandSpec,
  argv: readonly string[],
): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  const options = spec.options?.(inv.args) ?? {};
  try {
    return renderResponse(spec, await send(inv, spec.name, options), inv.json);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}

/** The `main` of a client command module: runs `spec` end to end. */
export function clientMain(spec: ClientCommandSpec): (argv: string[]) => Promise<CliResult> {
  return (argv) => runClientCommand(spec, argv);
}

/**
 * The spec of a command acting on one named agent and answered with its
 * status (`start`, `stop`, `restart`, `pause`, `resume`); `inputs` adds the
 * call-time input flags.
 */
export function agentActionSpec(
  name: CommandName,
  options: { inputs?: boolean } = {},
): ClientCommandSpec {
  return options.inputs === true
    ? {
      name,
      agent: "required",
      flags: [...INPUT_FLAGS],
      options: inputsOptions,
      format: formatAgentAction,
    }
    : { name, agent: "required", format: formatAgentAction };
}
