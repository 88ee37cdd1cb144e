/**
 * What happens to one request (docs/protocol.md): parse, then 503 while the
 * server drains, authorize (404/403), run the command's handler bounded by
 * `command_timeout` (504; `stop` and `restart` by the agent's `stop_timeout`
 * too, see `timeoutOf`), write one audit line, record one event
 * (`COMMAND_EXECUTED` or `COMMAND_REJECTED`), answer. Works on a connection
 * only through its {@linkcode AnswerQueue}, so it knows no socket.
 *
 * Durability (docs/events.md, "Durability"): the audit line is written
 * before the answer is queued, for every request. A state-changing command
 * ({@linkcode STATE_CHANGING_COMMANDS}) also has its event appended and the
 * event store flushed before its answer is queued, so the events it caused
 * are committed when the client reads the answer; when that commit fails the
 * answer is a 500 saying so. A read-only command's event is appended after
 * its answer and committed with the next batch.
 *
 * The policy — allowed commands, timeout, audit log — can be replaced while
 * serving (`configure`); a request uses the timeout in force when it starts
 * and the audit log in force when it ends.
 *
 * @module
 */

import type { AgentController, Reloader } from "../agent/controller.ts";
import { OrchestratorError } from "../errors.ts";
import type { EventName } from "../events/event.ts";
import type { AuditEntry, AuditLog, AuditResult } from "./audit.ts";
import { allowedFor, authorize, type CompiledPolicy } from "./authorize.ts";
import { agentOf, type CommandContext, HANDLERS, timeoutOf } from "./commands.ts";
import type { Answer, AnswerQueue, AnswerSlot, FrameHandler } from "./connection.ts";
import { encodeJsonFrame } from "./frame.ts";
import { type Caller, sameClient, type Who, whoFor } from "./identity.ts";
import { JsonText } from "./json_text.ts";
import { capList, capText } from "../text_cap.ts";
import { type CommandName, STATE_CHANGING_COMMANDS } from "../protocol/commands.ts";
import type { ResponseCode } from "../protocol/codes.ts";
import type { SocketInfo } from "./transport.ts";
import {
  type ClientIdentity,
  type ControlRequest,
  errorResponse,
  parseRequest,
  successJson,
} from "./protocol.ts";

/** The inputs of authorization, timeout and audit; replaceable while serving. */
export interface DispatchPolicy {
  /** Commands that may run, blocked ones already removed (see `allowedCommands`). */
  allowed: ReadonlySet<string>;
  /** `command_policies` (see `compilePolicies`): verified callers they name get their set instead. */
  policies?: readonly CompiledPolicy[];
  /**
   * `command_timeout` in milliseconds: an asynchronous command still running
   * then answers 504 (`stop` and `restart` may run longer, see `timeoutOf`).
   */
  timeoutMs: number;
  /** Where audit lines go. The dispatcher owns it from here on (closes it when replaced or closed). */
  audit: AuditLog;
}

/** What a {@linkcode Dispatcher} needs. */
export interface DispatcherOptions {
  controller: AgentController;
  /** Called (once per `shutdown` command) after the `shutdown` answer has been written. */
  onShutdownRequested: (reason: string) => void;
  policy: DispatchPolicy;
  /** What `reload` calls; without one, `reload` answers 409. */
  reloader?: Reloader | null;
  /** The socket served, as `stats` shows it. */
  socket?: SocketInfo;
}

/** One connection as dispatch sees it: where its answers go, and who its caller is. */
interface Session {
  queue: AnswerQueue;
  /** The policy's answer for a command (the same for every session). */
  allows: (command: CommandName) => boolean;
  client: ClientIdentity | undefined;
  /** The caller the kernel reported, on a transport that can tell. */
  caller: Caller | undefined;
  who: Who;
  /** What this caller may run under `allowedFrom` (computed on first use, again after `configure`). */
  allowed: ReadonlySet<string> | null;
  allowedFrom: DispatchPolicy | null;
  /** The server's shutdown hook (the same for every session). */
  onShutdown: (reason: string) => void;
  /** The server's reload hook (the same for every session). */
  reloader: Reloader | null;
  /** The socket served (the same for every session). */
  socket: SocketInfo | undefined;
}

/** How a request ended, for its audit line and event. */
interface Outcome {
  result: AuditResult;
  code: number;
  error?: string;
}

/** One parsed request on its way; also the handler's {@linkcode CommandContext}. */
class Call implements CommandContext {
  readonly session: Session;
  readonly request: ControlRequest;
  /** `performance.now()` when it arrived (0 when auditing was off then). */
  readonly started: number;
  /** Its place in the answer order, when its answer comes later. */
  slot: AnswerSlot | null = null;
  /** Runs once the answer is written (set by the handler). */
  after: (() => void) | null = null;

  constructor(session: Session, request: ControlRequest, started: number) {
    this.session = session;
    this.request = request;
    this.started = started;
  }

  afterResponse(fn: () => void): void {
    this.after = fn;
  }

  onShutdownRequested(reason: string): void {
    this.session.onShutdown(reason);
  }

  get reloader(): Reloader | null {
    return this.session.reloader;
  }

  get socket(): SocketInfo | undefined {
    return this.session.socket;
  }

  get connection(): AnswerQueue {
    return this.session.queue;
  }

  allows(command: CommandName): boolean {
    return this.session.allows(command);
  }
}

/**
 * Runs requests. One per server; `session` makes the handler of one connection.
 *
 * @example
 * ```ts
 * const dispatcher = new Dispatcher({ controller, onShutdownRequested, policy });
 * connection.serve(dispatcher.session(connection));
 * dispatcher.configure({ ...dispatcher.policy, timeoutMs: 5_000 });
 * ```
 */
export class Dispatcher {
  #controller: AgentController;
  #onShutdown: (reason: string) => void;
  #reloader: Reloader | null;
  #policy: DispatchPolicy;
  #socket: SocketInfo | undefined;
  #inFlight = 0;
  #draining = false;

  constructor(options: DispatcherOptions) {
    this.#controller = options.controller;
    this.#onShutdown = options.onShutdownRequested;
    this.#reloader = options.reloader ?? null;
    this.#policy = options.policy;
    this.#socket = options.socket;
  }

  /** The policy in force. */
  get policy(): DispatchPolicy {
    return this.#policy;
  }

  /** Replaces the policy for requests from now on; a replaced audit log is closed. */
  configure(policy: DispatchPolicy): void {
    const old = this.#policy.audit;
    this.#policy = policy;
    if (old !== policy.audit) old.close();
  }

  /** Asynchronous commands started and not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True once `drain` has been called. */
  get draining(): boolean {
    return this.#draining;
  }

  /** From now on every request is answered 503 (and recorded as rejected). */
  drain(): void {
    this.#draining = true;
  }

  /** Closes the audit log. */
  close(): void {
    this.#draining = true;
    this.#policy.audit.close();
  }

  /** The frame handler of one connection, answering on `queue`; `caller` when the kernel told who it is. */
  session(queue: AnswerQueue, caller?: Caller): FrameHandler {
    const s: Session = {
      queue,
      allows: (command) => this.#policy.allowed.has(command),
      client: undefined,
      caller,
      who: whoFor(caller, undefined),
      allowed: null,
      allowedFrom: null,
      onShutdown: this.#onShutdown,
      reloader: this.#reloader,
      socket: this.#socket,
    };
    return {
      frame: (payload) => this.#handle(s, payload),
      violation: (code, message) => {
        const started = this.#policy.audit.enabled ? performance.now() : 0;
        this.#audit(s, { result: "error", code, error: message }, { started });
        s.queue.reply(JSON.stringify(errorResponse(code, message)));
      },
    };
  }

  /** Handles one well-framed request payload. */
  #handle(s: Session, payload: Uint8Array): void {
    // The clock is read only for the audit line's duration.
    const started = this.#policy.audit.enabled ? performance.now() : 0;
    const parsed = parseRequest(payload);
    if (!parsed.ok) {
      this.#audit(s, { result: "error", code: 400, error: parsed.message }, { started });
      s.queue.reply(JSON.stringify(errorResponse(400, parsed.message, parsed.id)));
      return;
    }
    const request = parsed.request;
    if (request.client !== undefined && !sameClient(request.client, s.client)) {
      s.client = request.client;
      s.who = whoFor(s.caller, request.client);
    }
    const call = new Call(s, request, started);
    if (this.#draining) {
      this.#reject(call, { code: 503, message: "Orchestrator is shutting down", result: "error" });
      return;
    }
    const decision = authorize(request.command, this.#allowedFor(s));
    if (!decision.ok) {
      this.#reject(call, decision);
      return;
    }
    this.#execute(call, decision.command);
  }

  /** What the session's caller may run under the policy in force. */
  #allowedFor(s: Session): ReadonlySet<string> {
    const policy = this.#policy;
    if (s.allowedFrom !== policy || s.allowed === null) {
      s.allowed = allowedFor(s.caller, policy.policies ?? [], policy.allowed);
      s.allowedFrom = policy;
    }
    return s.allowed;
  }

  #reject(call: Call, refusal: { code: ResponseCode; message: string; result: AuditResult }) {
    const { code, message, result } = refusal;
    this.#finish(
      call,
      "COMMAND_REJECTED",
      { result, code, error: message },
      JSON.stringify(errorResponse(code, message, call.request.id)),
    );
  }

  #execute(call: Call, command: CommandName): void {
    let result: unknown;
    try {
      result = HANDLERS[command](this.#controller, call.request, call);
    } catch (error) {
      this.#fail(call, error);
      return;
    }
    if (!(result instanceof Promise)) {
      this.#succeed(call, result);
      return;
    }
    // An asynchronous command: its answer keeps its place; bounded by command_timeout.
    call.slot = call.session.queue.reserve();
    const timeoutMs = timeoutOf(this.#controller, call.request, this.#policy.timeoutMs);
    this.#inFlight++;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.#inFlight--;
      const message = `Command '${command}' timed out after ${timeoutMs / 1000} s`;
      this.#finish(
        call,
        "COMMAND_EXECUTED",
        { result: "timeout", code: 504, error: message },
        JSON.stringify(errorResponse(504, message, call.request.id)),
      );
    }, timeoutMs);
    Deno.unrefTimer(timer); // a command that never settles must not keep the process alive
    result.then(
      (data) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight--;
        this.#succeed(call, data);
      },
      (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight--;
        this.#fail(call, error);
      },
    );
  }

  #succeed(call: Call, data: unknown): void {
    const id = call.request.id;
    let text: Answer;
    try {
      if (data instanceof JsonText && id === undefined) {
        // ps and status: the same object while nothing changed, framed once.
        text = data.frame ??= encodeJsonFrame(successJson(data.text));
      } else {
        text = successJson(data instanceof JsonText ? data.text : JSON.stringify(data ?? null), id);
      }
    } catch (error) {
      this.#fail(call, error);
      return;
    }
    this.#finish(call, "COMMAND_EXECUTED", { result: "success", code: 200 }, text, call.after);
  }

  #fail(call: Call, error: unknown): void {
    const code: ResponseCode = error instanceof OrchestratorError ? error.code : 500;
    const message = error instanceof OrchestratorError
      ? error.message
      : `Internal error: ${error instanceof Error ? error.message : String(error)}`;
    const response = errorResponse(code, message, call.request.id);
    if (error instanceof OrchestratorError && error.data !== undefined) response.data = error.data;
    this.#finish(
      call,
      "COMMAND_EXECUTED",
      { result: "error", code, error: message },
      JSON.stringify(response),
    );
  }

  /** Writes the audit line of one request (when auditing is on). */
  #audit(
    s: Session,
    outcome: Outcome,
    about: { started: number; command?: string; agent?: string },
  ) {
    const audit = this.#policy.audit;
    if (!audit.enabled) return;
    const who = s.who;
    const entry: AuditEntry = {
      time: new Date(),
      user: who.user,
      reported: !who.verified,
      command: about.command ?? "-",
      result: outcome.result,
      code: outcome.code,
      durationMs: about.started === 0 ? 0 : performance.now() - about.started,
    };
    if (who.reportedUser !== undefined) entry.reportedUser = who.reportedUser;
    if (about.agent !== undefined) entry.agent = about.agent;
    if (who.uid !== undefined) entry.uid = who.uid;
    if (who.pid !== undefined) entry.pid = who.pid;
    if (outcome.error !== undefined) entry.error = outcome.error;
    audit.write(entry);
  }

  /**
   * Ends a parsed request: its audit line, its event and its answer, in the
   * order the durability contract needs (see the module doc).
   */
  #finish(
    call: Call,
    event: EventName,
    outcome: Outcome,
    text: Answer,
    after: (() => void) | null = null,
  ): void {
    const { session, request: { command, args }, started } = call;
    const agent = agentOf(command, args);
    if (!STATE_CHANGING_COMMANDS.has(command)) {
      this.#audit(session, outcome, { started, command, agent });
      answer(call, text, after);
      this.#append(call, event, outcome, agent);
      return;
    }
    this.#append(call, event, outcome, agent);
    const failure = this.#commit(command);
    if (failure !== null) {
      outcome = { result: "error", code: 500, error: failure };
      text = JSON.stringify(errorResponse(500, failure, call.request.id));
    }
    this.#audit(session, outcome, { started, command, agent });
    answer(call, text, after);
  }

  /** Appends a request's event. */
  #append(call: Call, event: EventName, outcome: Outcome, agent: string | undefined): void {
    const { session, request: { command, args } } = call;
    const { result, code } = outcome;
    try {
      this.#controller.events.append({
        event_name: event,
        agent_name: agent ?? null,
        // Client text is capped (docs/protocol.md, "Limits"): each arg, the number of args, the user.
        data: { command, args: capList(args), user: capText(session.who.user), result, code },
      });
    } catch {
      // The event store may already be closed during shutdown; the audit line is written.
    }
  }

  /** Commits every appended event; the answer's error message when that fails, else `null`. */
  #commit(command: string): string | null {
    try {
      this.#controller.events.flush();
      return null;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return `Command '${command}' was carried out, but its events could not be committed: ${reason}`;
    }
  }
}

/** A call's answer: into its reserved slot, or in order behind the answers owed. */
function answer(call: Call, text: Answer, after: (() => void) | null = null): void {
  if (call.slot === null) call.session.queue.reply(text, after);
  else call.session.queue.settle(call.slot, text, after);
}
