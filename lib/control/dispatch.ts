/**
 * What happens to one request (docs/protocol.md): parse, then 503 while the
 * server drains, authorize (404/403), run the command's handler bounded by
 * `command_timeout` (504), answer, write one audit line, record one event
 * (`COMMAND_EXECUTED` or `COMMAND_REJECTED`). Works on a connection only
 * through its {@linkcode AnswerQueue}, so it knows no socket.
 *
 * The policy — allowed commands, timeout, audit log — can be replaced while
 * serving (`configure`); a request uses the timeout in force when it starts
 * and the audit log in force when it ends.
 *
 * @module
 */

import type { AgentController } from "../agent/controller.ts";
import { OrchestratorError } from "../errors.ts";
import type { EventName } from "../events/event.ts";
import type { AuditEntry, AuditLog, AuditResult } from "./audit.ts";
import { authorize } from "./authorize.ts";
import { agentOf, type CommandContext, HANDLERS } from "./commands.ts";
import type { Answer, AnswerQueue, AnswerSlot, FrameHandler } from "./connection.ts";
import { encodeJsonFrame } from "./frame.ts";
import { sameClient, UNKNOWN_CLIENT, type Who, whoOf } from "./identity.ts";
import { JsonText } from "./json_text.ts";
import { capList, capText } from "../text_cap.ts";
import type { CommandName } from "../protocol/commands.ts";
import type { ResponseCode } from "../protocol/codes.ts";
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
  /** `command_timeout` in milliseconds: an asynchronous command still running then answers 504. */
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
}

/** One connection as dispatch sees it: where its answers go, and who its client says it is. */
interface Session {
  queue: AnswerQueue;
  client: ClientIdentity | undefined;
  who: Who;
  /** The server's shutdown hook (the same for every session). */
  onShutdown: (reason: string) => void;
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
  #policy: DispatchPolicy;
  #inFlight = 0;
  #draining = false;

  constructor(options: DispatcherOptions) {
    this.#controller = options.controller;
    this.#onShutdown = options.onShutdownRequested;
    this.#policy = options.policy;
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

  /** The frame handler of one connection, answering on `queue`. */
  session(queue: AnswerQueue): FrameHandler {
    const s: Session = {
      queue,
      client: undefined,
      who: UNKNOWN_CLIENT,
      onShutdown: this.#onShutdown,
    };
    return {
      frame: (payload) => this.#handle(s, payload),
      violation: (code, message) => {
        const started = this.#policy.audit.enabled ? performance.now() : 0;
        s.queue.reply(JSON.stringify(errorResponse(code, message)));
        this.#audit(s, { result: "error", code, error: message }, { started });
      },
    };
  }

  /** Handles one well-framed request payload. */
  #handle(s: Session, payload: Uint8Array): void {
    // The clock is read only for the audit line's duration.
    const started = this.#policy.audit.enabled ? performance.now() : 0;
    const parsed = parseRequest(payload);
    if (!parsed.ok) {
      s.queue.reply(JSON.stringify(errorResponse(400, parsed.message, parsed.id)));
      this.#audit(s, { result: "error", code: 400, error: parsed.message }, { started });
      return;
    }
    const request = parsed.request;
    if (request.client !== undefined && !sameClient(request.client, s.client)) {
      s.client = request.client;
      s.who = whoOf(request.client);
    }
    const call = new Call(s, request, started);
    if (this.#draining) {
      this.#reject(call, { code: 503, message: "Orchestrator is shutting down", result: "error" });
      return;
    }
    const decision = authorize(request.command, this.#policy.allowed);
    if (!decision.ok) {
      this.#reject(call, decision);
      return;
    }
    this.#execute(call, decision.command);
  }

  #reject(call: Call, refusal: { code: ResponseCode; message: string; result: AuditResult }) {
    const { code, message, result } = refusal;
    call.session.queue.reply(JSON.stringify(errorResponse(code, message, call.request.id)));
    this.#record(call, "COMMAND_REJECTED", { result, code, error: message });
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
    const timeoutMs = this.#policy.timeoutMs;
    this.#inFlight++;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.#inFlight--;
      const message = `Command '${command}' timed out after ${timeoutMs / 1000} s`;
      answer(call, JSON.stringify(errorResponse(504, message, call.request.id)));
      this.#record(call, "COMMAND_EXECUTED", { result: "timeout", code: 504, error: message });
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
    answer(call, text, call.after);
    this.#record(call, "COMMAND_EXECUTED", { result: "success", code: 200 });
  }

  #fail(call: Call, error: unknown): void {
    const code: ResponseCode = error instanceof OrchestratorError ? error.code : 500;
    const message = error instanceof OrchestratorError
      ? error.message
      : `Internal error: ${error instanceof Error ? error.message : String(error)}`;
    answer(call, JSON.stringify(errorResponse(code, message, call.request.id)));
    this.#record(call, "COMMAND_EXECUTED", { result: "error", code, error: message });
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
      reported: true,
      command: about.command ?? "-",
      result: outcome.result,
      code: outcome.code,
      durationMs: about.started === 0 ? 0 : performance.now() - about.started,
    };
    if (about.agent !== undefined) entry.agent = about.agent;
    if (who.uid !== undefined) entry.uid = who.uid;
    if (who.pid !== undefined) entry.pid = who.pid;
    if (outcome.error !== undefined) entry.error = outcome.error;
    audit.write(entry);
  }

  /** Audits a parsed request and records its event. */
  #record(call: Call, event: EventName, outcome: Outcome): void {
    const { session, request: { command, args }, started } = call;
    const agent = agentOf(command, args);
    this.#audit(session, outcome, { started, command, agent });
    const { result, code } = outcome;
    try {
      this.#controller.events.append({
        event_name: event,
        agent_name: agent ?? null,
        // Client text is capped (docs/protocol.md, "Limits"): each arg, the number of args, the user.
        data: { command, args: capList(args), user: capText(session.who.user), result, code },
      });
    } catch {
      // The event store may already be closed during shutdown; the audit line was written.
    }
  }
}

/** A call's answer: into its reserved slot, or in order behind the answers owed. */
function answer(call: Call, text: Answer, after: (() => void) | null = null): void {
  if (call.slot === null) call.session.queue.reply(text, after);
  else call.session.queue.settle(call.slot, text, after);
}
