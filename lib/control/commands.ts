/**
 * The command handlers of the control socket (docs/protocol.md): one entry per
 * command name, each taking the controller and a validated request and
 * returning the response `data` (or a promise of it). Bad arguments throw
 * `badRequest` (400); the controller's own errors (404 unknown agent, 409
 * wrong state, 503 shutting down) pass through with their codes.
 *
 * Handlers never print template `environment` values: every shape they
 * return is built from `lib/agent/info.ts` types, which carry none.
 *
 * @module
 */

import type { AgentController, Reloader } from "../agent/controller.ts";
import type { AgentStatus, Stats } from "../agent/info.ts";
import { badRequest, conflict, OrchestratorError } from "../errors.ts";
import type { EventQuery, OrchestratorEvent } from "../events/event.ts";
import type { CommandName } from "../protocol/commands.ts";
import { MAX_LIST } from "../protocol/limits.ts";
import { parseSignal, PAUSE_SIGNALS, type SignalName } from "../protocol/signals.ts";
import { capText } from "../text_cap.ts";
import { agentsAnswer } from "./agents_answer.ts";
import type { ControlRequest } from "./protocol.ts";
import type { SocketInfo } from "./transport.ts";
import { type SubscriberChannel, SubscriptionHub } from "./subscribe_hub.ts";
import { subscribeOptions } from "./subscribe_options.ts";

/** What a handler may ask of the server besides the controller. */
export interface CommandContext {
  /** Runs `fn` once this request's response has been written (used by `shutdown`). */
  afterResponse(fn: () => void): void;
  /** The runtime's hook: starts a graceful shutdown. */
  onShutdownRequested(reason: string): void;
  /** The runtime's hook for `reload`; `null` when the orchestrator has no config file. */
  readonly reloader: Reloader | null;
  /** The socket served, as `stats` shows it (absent when the dispatcher was not told). */
  readonly socket?: SocketInfo;
  /** The connection the request came on: `subscribe` pushes frames on it after the answer. */
  readonly connection: SubscriberChannel;
  /** True when the policy in force allows `command` (`subscribe` to logs needs `logs`). */
  allows(command: CommandName): boolean;
}

/** A command handler. */
export type Handler = (
  controller: AgentController,
  request: ControlRequest,
  context: CommandContext,
) => unknown;

/** `report`: how many recent failure events it includes. */
export const REPORT_FAILURES = 20;

/** `report`. */
export interface Report {
  generated_at: string;
  stats: Stats;
  agents: AgentStatus[];
  /** Agents in `failed`, `fatal` or `backoff`. */
  problems: { name: string; state: string; reason: string | null }[];
  /** Newest AGENT_FAILED / AGENT_FATAL events, newest first. */
  recent_failures: OrchestratorEvent[];
}

function noArgs(request: ControlRequest): void {
  if (request.args.length > 0) {
    throw badRequest(`Command '${request.command}' takes no arguments`);
  }
}

function onlyOptions(request: ControlRequest, known: readonly string[]): void {
  for (const key of Object.keys(request.options)) {
    if (!known.includes(key)) {
      throw badRequest(
        `Unknown option "${capText(key)}" for command '${request.command}'` +
          (known.length > 0 ? ` (known: ${known.join(", ")})` : ""),
      );
    }
  }
}

/** The single agent-name argument of `start`, `stop`, `logs` …; 400 when missing or extra. */
export function agentArg(request: ControlRequest): string {
  if (request.args.length !== 1 || request.args[0] === "") {
    throw badRequest(`Command '${request.command}' needs exactly one agent name`);
  }
  return request.args[0];
}

/** Longest signal text echoed in an error message. */
const MAX_SIGNAL_ECHO = 32;

/**
 * The agent name and signal of a `signal` request; 400 when either is
 * missing, the signal is unknown, or it is SIGSTOP/SIGCONT (`pause`/`resume`).
 */
export function signalArgs(request: ControlRequest): [string, SignalName] {
  const [agent, text] = request.args;
  if (request.args.length !== 2 || agent === "" || text === "") {
    throw badRequest("Command 'signal' needs an agent name and a signal");
  }
  const signal = parseSignal(text);
  if (signal === null) {
    const shown = text.length > MAX_SIGNAL_ECHO ? `${text.slice(0, MAX_SIGNAL_ECHO)}…` : text;
    throw badRequest(
      `Unknown signal ${JSON.stringify(shown)}: give a name (HUP, SIGHUP) or a number from 1 to 31`,
    );
  }
  if (PAUSE_SIGNALS.includes(signal)) {
    throw badRequest(`Signal "${signal}" is not sent by 'signal': use 'pause' and 'resume'`);
  }
  return [agent, signal];
}

function intOption(request: ControlRequest, key: string, max: number): number | undefined {
  const value = request.options[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw badRequest(`Option "${key}" must be an integer from 1 to ${max}`);
  }
  return value as number;
}

function boolOption(request: ControlRequest, key: string): boolean {
  const value = request.options[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw badRequest(`Option "${key}" must be true or false`);
  return value;
}

function inputsOption(request: ControlRequest): Record<string, unknown> | undefined {
  const value = request.options.inputs;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest('Option "inputs" must be an object');
  }
  return value as Record<string, unknown>;
}

/**
 * The event query of a `history` request (400 on arguments or a bad
 * `limit`). `limit` is strict here, as `lines` is for `logs`: an integer
 * from 1 to `MAX_LIST`. Every other option goes to the store as sent: its
 * one normaliser (`normalizeQuery`, lib/events/query.ts) checks them and
 * reads durations such as `15m` with the store's clock, so they mean the
 * same over the socket as in the API.
 */
export function historyQuery(request: ControlRequest): EventQuery {
  noArgs(request);
  return { ...request.options, limit: intOption(request, "limit", MAX_LIST) } as EventQuery;
}

function allStatuses(controller: AgentController): AgentStatus[] {
  return controller.list().map((agent) => controller.status(agent.name));
}

/** Builds the `report` data. */
export function buildReport(controller: AgentController, now = new Date()): Report {
  const agents = allStatuses(controller);
  const failed = controller.events.query({ event: "AGENT_FAILED", limit: REPORT_FAILURES });
  const fatal = controller.events.query({ event: "AGENT_FATAL", limit: REPORT_FAILURES });
  const recent = [...failed, ...fatal].sort((a, b) => b.id - a.id).slice(0, REPORT_FAILURES);
  return {
    generated_at: now.toISOString(),
    stats: controller.stats(),
    agents,
    problems: agents
      .filter((a) => a.state === "failed" || a.state === "fatal" || a.state === "backoff")
      .map((a) => ({ name: a.name, state: a.state, reason: a.reason })),
    recent_failures: recent,
  };
}

/** Every command's handler. */
export const HANDLERS: Readonly<Record<CommandName, Handler>> = {
  ps(controller, request) {
    noArgs(request);
    onlyOptions(request, []);
    return agentsAnswer(controller).ps();
  },
  status(controller, request) {
    onlyOptions(request, []);
    if (request.args.length > 1) throw badRequest("Command 'status' takes at most one agent name");
    if (request.args.length === 1) return controller.status(agentArg(request));
    return agentsAnswer(controller).status();
  },
  stats(controller, request, context) {
    noArgs(request);
    onlyOptions(request, []);
    const stats = controller.stats();
    return context.socket === undefined ? stats : { ...stats, socket: context.socket };
  },
  history(controller, request) {
    return { events: controller.events.query(historyQuery(request)) };
  },
  report(controller, request) {
    noArgs(request);
    onlyOptions(request, []);
    return buildReport(controller);
  },
  subscribe(controller, request, context) {
    const options = subscribeOptions(request);
    if (options.logs !== null && !context.allows("logs")) {
      throw new OrchestratorError(
        403,
        "Command 'subscribe' with \"logs\" not allowed: it needs command 'logs'",
      );
    }
    const opened = SubscriptionHub.of(controller).open(context.connection, options);
    context.afterResponse(opened.start);
    return opened.data;
  },
  start(controller, request) {
    onlyOptions(request, ["inputs"]);
    return controller.start(agentArg(request), inputsOption(request));
  },
  stop(controller, request) {
    onlyOptions(request, []);
    return controller.stop(agentArg(request));
  },
  restart(controller, request) {
    onlyOptions(request, ["inputs"]);
    return controller.restart(agentArg(request), inputsOption(request));
  },
  pause(controller, request) {
    onlyOptions(request, []);
    return controller.pause(agentArg(request));
  },
  resume(controller, request) {
    onlyOptions(request, []);
    return controller.resume(agentArg(request));
  },
  signal(controller, request) {
    onlyOptions(request, []);
    const [agent, signal] = signalArgs(request);
    return controller.signal(agent, signal);
  },
  logs(controller, request) {
    onlyOptions(request, ["lines"]);
    return controller.logs(agentArg(request), intOption(request, "lines", MAX_LIST));
  },
  call(controller, request) {
    onlyOptions(request, ["inputs"]);
    return controller.call(agentArg(request), inputsOption(request));
  },
  reload(_controller, request, context) {
    noArgs(request);
    onlyOptions(request, ["dry_run"]);
    const dryRun = boolOption(request, "dry_run");
    if (context.reloader === null) {
      throw conflict("Cannot reload: the orchestrator was not started from a config file");
    }
    return context.reloader.reload({ dryRun, trigger: "command" });
  },
  shutdown(_controller, request, context) {
    noArgs(request);
    onlyOptions(request, []);
    context.afterResponse(() => context.onShutdownRequested("shutdown command"));
    return { message: "Shutdown initiated" };
  },
};

/** Seconds added to an agent's `stop_timeout` to bound `stop` and `restart` (docs/protocol.md). */
export const STOP_MARGIN_SECONDS = 5;

/**
 * How long a request may run before it is answered 504, in milliseconds:
 * `command_timeout`, except for `stop` and `restart` of a known agent,
 * which answer once the agent has stopped: the larger of `command_timeout`
 * and the agent's `stop_timeout` + {@link STOP_MARGIN_SECONDS}.
 */
export function timeoutOf(
  controller: AgentController,
  request: ControlRequest,
  commandTimeoutMs: number,
): number {
  if (request.command !== "stop" && request.command !== "restart") return commandTimeoutMs;
  const agent = controller.config.agents.find((a) => a.name === request.args[0]);
  if (agent === undefined) return commandTimeoutMs;
  return Math.max(commandTimeoutMs, (agent.stop_timeout + STOP_MARGIN_SECONDS) * 1000);
}

/** Commands whose first argument names an agent (for the audit line and events). */
export function agentOf(command: string, args: readonly string[]): string | undefined {
  if (
    command === "ps" || command === "stats" || command === "history" || command === "report" ||
    command === "subscribe"
  ) {
    return undefined;
  }
  if (command === "shutdown" || command === "reload") return undefined;
  return args.length > 0 ? args[0] : undefined;
}
