/**
 * What every client command shares: its spec, `--help`, the parsed
 * invocation (flags through `parseCliArgs`, socket resolution), requests
 * over the control socket, and the exit codes (0 success, 1 the
 * orchestrator answered an error, 2 usage, 3 cannot connect or timed out).
 *
 * A `lib/cli/<command>.ts` file is a `ClientCommandSpec` plus
 * `main = (argv) => runClientCommand(spec, argv)`.
 *
 * @module
 */

import { ClientError, ControlClient, type RequestSpec } from "../control/client.ts";
import type { ControlResponse } from "../control/protocol.ts";
import type { CommandName } from "../protocol/commands.ts";
import { DEFAULT_SOCKET_PATH } from "../protocol/socket.ts";
import { COMMAND_SUMMARIES } from "./summaries.ts";
import { type FormatOptions, stdoutOptions } from "./format.ts";
import {
  COMMON_FLAGS,
  type FlagSpec,
  INPUT_FLAGS,
  inputsOptions,
  type ParsedArgs,
  parseFlags,
  timeoutSeconds,
} from "./flags.ts";
import { resolveSocket, splitPositionals } from "./socket_target.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { formatAgentAction } from "./views.ts";

/** Re-exported for the command modules that read an integer flag (`logs`). */
export { intFlag } from "./flags.ts";

/** What the human formatter returns: text, or text plus stderr and exit code. */
export type Formatted = string | { stdout?: string; stderr?: string; exitCode?: number };

/** A client command. */
export interface ClientCommandSpec {
  /** The control command it sends; its summary is `COMMAND_SUMMARIES[name]`. */
  name: CommandName;
  /**
   * Agent positional: none, optional, required, `targets`: one or more
   * agent names, globs (`'web-*'`), `group:NAME` or `all`, or `any`: any
   * number of agent names (`logs -f`).
   */
  agent: "none" | "optional" | "required" | "targets" | "any";
  /** The operands of the usage line when `agent` does not say them (e.g. `<target>... <signal>`). */
  operands?: string;
  flags?: FlagSpec[];
  /** Builds the request options from the parsed flags (400-style problems throw UsageError). */
  options?(args: ParsedArgs): Record<string, unknown>;
  /** Human output of a success response's data. */
  format(data: never, options: FormatOptions): Formatted;
  /** Extra help text after the flags. */
  notes?: string;
}

/** What `--help` says of the targets of a `targets` command. */
const TARGETS_HELP = "Targets: agent names, globs ('web-*', quoted for the shell), group:NAME " +
  "(the agents whose config has that group) or all. Several targets send one request per " +
  "agent (stop: in the reverse order) and print one line per agent; --json prints " +
  '{"results":[{"target","status","data"|"code","error"}]}. Exit 1 if any failed.';

/** The help text of a command. */
export function helpText(spec: ClientCommandSpec): string {
  const agent = spec.operands === undefined
    ? {
      none: "",
      optional: " [agent]",
      required: " <agent>",
      targets: " <target>...",
      any: " [agent...]",
    }[spec.agent]
    : ` ${spec.operands}`;
  const flags = [...(spec.flags ?? []), ...COMMON_FLAGS];
  const left = flags.map((f) =>
    `${f.short === undefined ? "" : `-${f.short}, `}--${f.name}${
      f.value === undefined ? "" : ` ${f.value}`
    }`
  );
  const width = Math.max(...left.map((l) => l.length));
  return [
    `Usage: orchestrator ${spec.name}${agent} [options]`,
    "",
    COMMAND_SUMMARIES[spec.name],
    "",
    "Options:",
    ...flags.map((f, i) => `  ${left[i].padEnd(width)}  ${f.help}`),
    "",
    ...(spec.agent === "targets" ? [TARGETS_HELP, ""] : []),
    "Socket: --socket, else $ORCHESTRATOR_SOCKET_PATH, else the config's command_socket_path " +
    `(--config), else ${DEFAULT_SOCKET_PATH}. A positional argument containing "/" is taken ` +
    "as the socket path.",
    ...(spec.notes === undefined ? [] : ["", spec.notes]),
    "Exit codes: 0 success, 1 the orchestrator answered an error, 2 usage, 3 cannot connect or timed out.",
  ].join("\n");
}

/** Parsed and checked command line of a client command. */
export interface Invocation {
  args: ParsedArgs;
  /** The one agent argument, when there is exactly one plain name. */
  agent?: string;
  /** Every agent argument as written, in order. */
  targets: string[];
  socket: string;
  /** Where `socket` came from (see lib/cli/socket_target.ts). */
  socketOrigin: string;
  timeoutMs: number;
  json: boolean;
  /** Colour and width of stdout. */
  format: FormatOptions;
}

/** True for a target that is one agent name (not a glob, `group:NAME` or `all`). */
export function isPlainName(target: string): boolean {
  return target !== "all" && /^[A-Za-z0-9_.-]+$/.test(target);
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
  if ((spec.agent === "required" || spec.agent === "targets") && rest.length === 0) {
    throw new UsageError(`Command "${spec.name}" needs an agent name`);
  }
  if (spec.agent !== "targets" && spec.agent !== "any" && rest.length > 1) {
    throw new UsageError(`Command "${spec.name}" takes one agent name`);
  }
  const timeout = timeoutSeconds(args, defaultTimeout);
  const target = await resolveSocket(args, socket);
  const inv: Invocation = {
    args,
    targets: rest,
    socket: target.path,
    socketOrigin: target.origin,
    timeoutMs: timeout * 1000,
    json: args.flags.json === true,
    format: stdoutOptions(args.flags["no-color"] === true),
  };
  if (rest.length === 1 && (spec.agent !== "targets" || isPlainName(rest[0]))) {
    inv.agent = rest[0];
  }
  return inv;
}

/** Turns a response into the CLI result (exit 0 / 1), using `spec.format` for success. */
export function renderResponse(
  spec: ClientCommandSpec,
  response: ControlResponse,
  out: { json: boolean; format: FormatOptions },
): CliResult {
  if (out.json) {
    return {
      exitCode: response.status === "success" ? EXIT.ok : EXIT.error,
      stdout: JSON.stringify(response),
    };
  }
  if (response.status === "error") {
    return { exitCode: EXIT.error, stderr: `Error ${response.code}: ${response.error}` };
  }
  const formatted = spec.format(response.data as never, out.format);
  if (typeof formatted === "string") return { exitCode: EXIT.ok, stdout: formatted };
  return {
    exitCode: formatted.exitCode ?? EXIT.ok,
    stdout: formatted.stdout,
    stderr: formatted.stderr,
  };
}

/** The CLI result for a failure to reach the orchestrator (exit 3). */
export function unavailable(error: ClientError): CliResult {
  return { exitCode: EXIT.unavailable, stderr: error.message };
}

/**
 * Sends one request for an invocation (`args` default to its agent). The
 * timeout is an `AbortSignal.timeout` rather than a `setTimeout` (whose
 * first use costs ~8 ms in Deno); it is not cancelled, which is fine
 * because `cli.ts` exits explicitly once the command returns.
 */
export async function send(
  inv: Invocation,
  request: RequestSpec,
): Promise<ControlResponse> {
  const signal = AbortSignal.timeout(Math.max(1, Math.round(inv.timeoutMs)));
  const client = await ControlClient.connect(inv.socket, { signal, origin: inv.socketOrigin });
  try {
    const args = request.args ?? (inv.agent === undefined ? [] : [inv.agent]);
    return await client.request(request.command, args, request.options);
  } finally {
    client.close();
  }
}

/**
 * Imports lib/cli/targets_run.ts, which only several targets and unknown
 * agents need. A computed specifier: `deno run` prepares every literal
 * dynamic import of a module when the module loads.
 */
export function loadTargets(): Promise<typeof import("./targets_run.ts")> {
  return import(new URL("./targets_run.ts", import.meta.url).href);
}

/**
 * A 404 answer about the invocation's one agent, with `: did you mean
 * "web"?` appended for human output (from the names of a `ps` answer);
 * any other answer, and every answer for `--json`, as received.
 */
export async function suggestAgent(
  inv: Invocation,
  response: ControlResponse,
): Promise<ControlResponse> {
  if (response.status !== "error" || response.code !== 404) return response;
  if (inv.agent === undefined || inv.json) return response;
  return await (await loadTargets()).withAgentSuggestion(inv, response);
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
    if (spec.agent === "targets" && inv.agent === undefined) {
      const line = (data: unknown) => {
        const out = spec.format(data as never, inv.format);
        return typeof out === "string" ? out : out.stdout ?? "";
      };
      return await (await loadTargets()).runTargets(spec.name, inv, { options, line });
    }
    const response = await send(inv, { command: spec.name, options });
    return renderResponse(spec, await suggestAgent(inv, response), inv);
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
 * The spec of a command acting on agents and answered with each one's
 * status (`start`, `stop`, `restart`, `pause`, `resume`): one or more
 * targets; `inputs` adds the call-time input flags. `call` builds on it
 * with one agent (`agent: "required"`).
 */
export function agentActionSpec(
  name: CommandName,
  options: { inputs?: boolean } = {},
): ClientCommandSpec {
  return options.inputs === true
    ? {
      name,
      agent: "targets",
      flags: [...INPUT_FLAGS],
      options: inputsOptions,
      format: formatAgentAction,
    }
    : { name, agent: "targets", format: formatAgentAction };
}
