/**
 * The control server (SPEC §5, §6): a UNIX socket speaking length-prefixed
 * JSON frames. Each connection has its own read loop and write queue, so a
 * slow or stalled client never delays another; answers on one connection go
 * out in request order even when requests are pipelined and handled
 * concurrently. Every request is authorized, audited (one line), recorded as
 * an event, and bounded by `command_timeout`.
 *
 * @example
 * ```ts
 * const server = await ControlServer.start({ controller, onShutdownRequested: (r) => stop(r) });
 * // … on shutdown:
 * await server.drain(5_000);
 * await server.close();
 * ```
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AgentController } from "../agent/controller.ts";
import { OrchestratorError } from "../errors.ts";
import type { EventName } from "../events/event.ts";
import { type AuditEntry, AuditLog, type AuditResult } from "./audit.ts";
import { allowedCommands, authorize } from "./authorize.ts";
import { agentOf, type CommandContext, HANDLERS } from "./commands.ts";
import { JsonText } from "./json_text.ts";
import { encodeJsonFrame, FrameBuffer, FrameReader, writeAll } from "./frame.ts";
import type { CommandName } from "../protocol/commands.ts";
import {
  type ClientIdentity,
  type ControlRequest,
  errorResponse,
  type RequestId,
  RequestMemo,
} from "./protocol.ts";
import type { ResponseCode } from "../protocol/codes.ts";
import { bindSocket, type BoundSocket, removeSocket } from "./socket.ts";
import { userName } from "../users.ts";

/** What `ControlServer.start` needs. */
export interface ControlServerOptions {
  /** The orchestrator; config values come from `controller.config`. */
  controller: AgentController;
  /** Called (once per `shutdown` command) after the `shutdown` answer has been written. */
  onShutdownRequested: (reason: string) => void;
}

/** Most responses queued on one connection before the server stops reading from it. */
const MAX_PIPELINE = 256;
/** Most response bytes queued on one connection before the server stops reading from it. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * An answer: its JSON text, or its whole frame when one is kept for reuse
 * (`JsonText.frame`).
 */
type Answer = string | Uint8Array;

/**
 * A place in a connection's answer order, taken only when an answer cannot
 * be queued at once: an asynchronous command, or answers behind one.
 */
interface Slot {
  answer: Answer | null;
  after: (() => void) | null;
}

/** Per-request hooks handed to a command handler. */
class RequestContext implements CommandContext {
  after: (() => void) | null = null;
  readonly #onShutdown: (reason: string) => void;

  constructor(onShutdown: (reason: string) => void) {
    this.#onShutdown = onShutdown;
  }

  afterResponse(fn: () => void): void {
    this.after = fn;
  }

  onShutdownRequested(reason: string): void {
    this.#onShutdown(reason);
  }
}

class Connection {
  readonly conn: Deno.UnixConn;
  readonly reader: FrameReader;
  /** Answers waiting for an earlier (asynchronous) answer, in request order. */
  readonly slots: Slot[] = [];
  /** Framed answers ready to write, in order; swapped with `spare` while a write is under way. */
  out = new FrameBuffer();
  spare: FrameBuffer | null = null;
  /** Answers in `out`. */
  outCount = 0;
  /** Bytes in `out` plus bytes being written. */
  outBytes = 0;
  outAfter: (() => void)[] = [];
  writing = false;
  /**
   * Set by every read and write; the idle sweep clears it and then counts
   * idle time from that sweep (no clock read per request).
   */
  active = true;
  lastActivity: number;
  closeWhenFlushed = false;
  closed = false;
  /** Set while requests that arrived together are handled, so their answers go out in one write. */
  holdWrites = false;
  /** The identity the client reported last, and who it names in audit lines and events. */
  client: ClientIdentity | undefined;
  who: Who = UNKNOWN_CLIENT;
  /** Parses this connection's requests, remembering the last one. */
  readonly requests = new RequestMemo();
  /** The data text of this connection's last command event without arguments, for reuse. */
  lastEvent: EventText | null = null;
  /** Resolved when a slot or write completes (read loop backpressure, drain). */
  wake: (() => void) | null = null;

  constructor(conn: Deno.UnixConn, maxFrameBytes: number, now: number) {
    this.conn = conn;
    this.reader = new FrameReader(conn, { maxFrameBytes });
    this.lastActivity = now;
  }

  get busy(): boolean {
    return this.slots.length > 0 || this.writing || this.outCount > 0;
  }

  get congested(): boolean {
    return this.slots.length + this.outCount >= MAX_PIPELINE ||
      this.outBytes >= MAX_BACKLOG_BYTES;
  }

  /** Queues one answer behind the ones already queued. */
  queue(answer: Answer, after: (() => void) | null): void {
    this.outBytes += typeof answer === "string"
      ? this.out.appendJson(answer)
      : this.out.appendFrame(answer);
    this.outCount++;
    if (after !== null) this.outAfter.push(after);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    this.notify();
  }

  notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** Who sent a request, as audit lines and events name them. */
interface Who {
  user: string;
  uid?: number;
  pid?: number;
}

/** A connection whose client has not reported an identity. */
const UNKNOWN_CLIENT: Who = { user: "unknown" };

/** Who a reported identity names: its user, else the name of its uid, else "unknown". */
function whoOf(client: ClientIdentity): Who {
  const user = client.user !== undefined && client.user !== ""
    ? client.user
    : client.uid !== undefined
    ? userName(client.uid)
    : undefined;
  return { user: user ?? "unknown", uid: client.uid, pid: client.pid };
}

/** A command event's data text and what it was built from. */
interface EventText {
  command: string;
  user: string;
  result: AuditResult;
  code: number;
  json: string;
}

/** How one request ended, for its audit line and event. */
interface RequestOutcome {
  request?: ControlRequest;
  result: AuditResult;
  code: number;
  /** `performance.now()` when it arrived (0 when auditing is off). */
  started: number;
  error?: string;
}

/** The control socket server. Create with `ControlServer.start`. */
export class ControlServer {
  #controller: AgentController;
  #onShutdown: (reason: string) => void;
  #socket: BoundSocket;
  #audit: AuditLog;
  #allowed: ReadonlySet<string>;
  #maxFrame: number;
  #timeoutMs: number;
  #idleMs: number;
  #maxConnections: number;
  #connections = new Set<Connection>();
  #inFlight = 0;
  #draining = false;
  #closed = false;
  #sweep: ReturnType<typeof setInterval>;
  #accepting: Promise<void>;
  #idleWaiters: (() => void)[] = [];
  #log = getLogger(["orchestrator", "control"]);

  private constructor(options: ControlServerOptions, socket: BoundSocket, audit: AuditLog) {
    const config = options.controller.config;
    this.#controller = options.controller;
    this.#onShutdown = options.onShutdownRequested;
    this.#socket = socket;
    this.#audit = audit;
    this.#allowed = allowedCommands(config);
    this.#maxFrame = config.command_max_frame_bytes;
    this.#timeoutMs = config.command_timeout * 1000;
    this.#idleMs = config.command_idle_timeout * 1000;
    this.#maxConnections = config.command_max_connections;
    // Activity is noticed by the sweep (see Connection.active), so a connection
    // idles out between idle and idle + 2 sweeps.
    const sweepMs = Math.min(1000, Math.max(20, this.#idleMs / 8));
    this.#sweep = setInterval(() => this.#sweepIdle(), sweepMs);
    Deno.unrefTimer(this.#sweep);
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Binds the socket at `controller.config.command_socket_path` with
   * `command_socket_permissions` and starts serving. Call it only when
   * `enable_command_interface` is true. Rejects (with a clear message) when
   * another orchestrator listens on the path, or the path is not usable.
   */
  static async start(options: ControlServerOptions): Promise<ControlServer> {
    const config = options.controller.config;
    const audit = await AuditLog.open({
      path: config.cli_audit_log_path,
      log: config.log_cli_commands,
    });
    let socket: BoundSocket;
    try {
      socket = await bindSocket(config.command_socket_path, config.command_socket_permissions);
    } catch (error) {
      audit.close();
      throw error;
    }
    return new ControlServer(options, socket, audit);
  }

  /** The socket path. */
  get path(): string {
    return this.#socket.path;
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** True once `drain` has been called: new requests get 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Stops accepting new commands (they answer 503) and waits until the
   * commands in flight have answered and their answers are written, at most
   * `timeoutMs`. Resolves `true` when everything finished in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    if (this.#idle()) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([
      new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
    return finished;
  }

  /** Closes the listener and every connection and removes the socket file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#draining = true;
    clearInterval(this.#sweep);
    try {
      this.#socket.listener.close();
    } catch {
      // already closed
    }
    for (const c of this.#connections) c.close();
    this.#connections.clear();
    await this.#accepting;
    await removeSocket(this.#socket);
    this.#audit.close();
    this.#checkIdle();
  }

  #idle(): boolean {
    if (this.#inFlight > 0) return false;
    for (const c of this.#connections) if (c.busy && !c.closed) return false;
    return true;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  async #acceptLoop(): Promise<void> {
    const listener = this.#socket.listener;
    for (;;) {
      let conn: Deno.UnixConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return; // listener closed
        // A transient failure (e.g. out of file descriptors): keep serving, retry shortly.
        this.#log.warn("Cannot accept a control connection: {message}", {
          message: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (this.#closed) {
        conn.close();
        return;
      }
      if (this.#connections.size >= this.#maxConnections) {
        this.#refuse(conn);
        continue;
      }
      const c = new Connection(conn, this.#maxFrame, performance.now());
      this.#connections.add(c);
      this.#serve(c);
    }
  }

  /** Answers 503 once on a connection over the limit and closes it (logged, not audited: no request was read). */
  #refuse(conn: Deno.UnixConn): void {
    this.#log.warn("Refused a control connection: {count} open (limit {limit})", {
      count: this.#connections.size,
      limit: this.#maxConnections,
    });
    const frame = encodeJsonFrame(JSON.stringify(errorResponse(
      503,
      `Too many connections (limit ${this.#maxConnections})`,
    )));
    writeAll(conn, frame).catch(() => {}).finally(() => {
      try {
        conn.close();
      } catch {
        // already closed
      }
    });
  }

  async #serve(c: Connection): Promise<void> {
    try {
      while (!c.closed && !c.closeWhenFlushed) {
        if (c.congested) {
          c.holdWrites = false;
          this.#flush(c);
          while (c.congested && !c.closed) {
            await new Promise<void>((resolve) => (c.wake = resolve));
          }
        }
        if (c.closed) break;
        const outcome = await c.reader.read();
        if (outcome.kind === "eof") break;
        c.active = true;
        if (outcome.kind === "error") {
          // A framing violation: answer once, then close once the answer is out.
          c.holdWrites = false;
          const started = this.#audit.enabled ? performance.now() : 0;
          this.#answer(c, null, JSON.stringify(errorResponse(outcome.code, outcome.message)), null);
          this.#auditRequest(c, {
            result: "error",
            code: outcome.code,
            started,
            error: outcome.message,
          });
          c.closeWhenFlushed = true;
          this.#flush(c);
          break;
        }
        // Requests that arrived in one read are answered with one write.
        c.holdWrites = c.reader.frameReady;
        this.#handle(c, outcome.payload);
        if (!c.holdWrites) this.#flush(c);
      }
    } catch {
      // Connection reset or closed under us: nothing to answer.
    }
    c.holdWrites = false;
    c.closeWhenFlushed = true;
    this.#flush(c); // answers still queued go out, then the connection is dropped
    if (c.closed || !c.busy) this.#drop(c);
  }

  #drop(c: Connection): void {
    c.close();
    this.#connections.delete(c);
    this.#checkIdle();
  }

  /** Handles one well-framed request payload. */
  #handle(c: Connection, payload: Uint8Array): void {
    // The clock is read only for the audit line's duration.
    const started = this.#audit.enabled ? performance.now() : 0;
    const parsed = c.requests.parse(payload);
    if (!parsed.ok) {
      this.#finish(c, null, errorResponse(400, parsed.message, parsed.id));
      this.#auditRequest(c, { result: "error", code: 400, started, error: parsed.message });
      return;
    }
    const request = parsed.request;
    if (request.client !== undefined && request.client !== c.client) {
      c.client = request.client; // a repeated request brings the same (remembered) object
      c.who = whoOf(request.client);
    }
    if (this.#draining) {
      const message = "Orchestrator is shutting down";
      this.#finish(c, null, errorResponse(503, message, request.id));
      this.#record(
        c,
        { request, result: "error", code: 503, started, error: message },
        "COMMAND_REJECTED",
      );
      return;
    }
    const decision = authorize(request.command, this.#allowed);
    if (!decision.ok) {
      this.#finish(c, null, errorResponse(decision.code, decision.message, request.id));
      this.#record(c, {
        request,
        result: decision.result,
        code: decision.code,
        started,
        error: decision.message,
      }, "COMMAND_REJECTED");
      return;
    }
    this.#execute(c, decision.command, request, started);
  }

  #execute(c: Connection, command: CommandName, request: ControlRequest, started: number): void {
    const context = new RequestContext(this.#onShutdown);
    let result: unknown;
    try {
      result = HANDLERS[command](this.#controller, request, context);
    } catch (error) {
      this.#fail(c, null, request, error, started);
      return;
    }
    if (!(result instanceof Promise)) {
      this.#succeed(c, null, request, result, started, context.after);
      return;
    }
    // An asynchronous command: its answer keeps its place; bounded by command_timeout.
    const slot: Slot = { answer: null, after: null };
    c.slots.push(slot);
    this.#inFlight++;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.#inFlight--;
      const message = `Command '${command}' timed out after ${this.#timeoutMs / 1000} s`;
      this.#finish(c, slot, errorResponse(504, message, request.id));
      this.#record(
        c,
        { request, result: "timeout", code: 504, started, error: message },
        "COMMAND_EXECUTED",
      );
    }, this.#timeoutMs);
    Deno.unrefTimer(timer); // a command that never settles must not keep the process alive
    result.then(
      (data) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight--;
        this.#succeed(c, slot, request, data, started, context.after);
      },
      (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight--;
        this.#fail(c, slot, request, error, started);
      },
    );
  }

  #succeed(
    c: Connection,
    slot: Slot | null,
    request: ControlRequest,
    data: unknown,
    started: number,
    after: (() => void) | null,
  ) {
    let answer: Answer;
    try {
      if (data instanceof JsonText && request.id === undefined) {
        // ps and status: the same object while nothing changed, framed once.
        answer = data.frame ??= encodeJsonFrame(successJson(data.text, undefined));
      } else {
        const text = data instanceof JsonText ? data.text : JSON.stringify(data ?? null);
        answer = successJson(text, request.id);
      }
    } catch (error) {
      this.#fail(c, slot, request, error, started);
      return;
    }
    this.#answer(c, slot, answer, after);
    this.#record(
      c,
      { request, result: "success", code: 200, started },
      "COMMAND_EXECUTED",
    );
  }

  #fail(
    c: Connection,
    slot: Slot | null,
    request: ControlRequest,
    error: unknown,
    started: number,
  ) {
    const code: ResponseCode = error instanceof OrchestratorError ? error.code : 500;
    const message = error instanceof OrchestratorError
      ? error.message
      : `Internal error: ${error instanceof Error ? error.message : String(error)}`;
    this.#finish(c, slot, errorResponse(code, message, request.id));
    this.#record(
      c,
      { request, result: "error", code, started, error: message },
      "COMMAND_EXECUTED",
    );
  }

  /** An error answer (its `after` hook, if any, is dropped). */
  #finish(c: Connection, slot: Slot | null, response: unknown): void {
    this.#answer(c, slot, JSON.stringify(response), null);
  }

  /**
   * Delivers one answer: into its reserved slot (`slot`), or — for an answer
   * computed at once (`null`) — straight into the write queue when nothing
   * is waiting ahead of it, else into a new ready slot behind the others.
   */
  #answer(c: Connection, slot: Slot | null, answer: Answer, after: (() => void) | null): void {
    if (slot === null) {
      if (c.slots.length === 0) {
        if (c.closed) return;
        c.queue(answer, after);
        if (!c.holdWrites && !c.writing) this.#writeLoop(c);
        return;
      }
      c.slots.push({ answer, after });
      return; // an earlier answer is still pending: nothing can go out yet
    }
    slot.answer = answer;
    slot.after = after;
    this.#flush(c);
  }

  /** Moves ready answers (in order) to the write queue and starts writing. */
  #flush(c: Connection): void {
    if (c.closed) {
      c.slots.length = 0;
      this.#checkIdle();
      return;
    }
    let ready = 0;
    while (ready < c.slots.length && c.slots[ready].answer !== null) {
      const slot = c.slots[ready];
      c.queue(slot.answer!, slot.after);
      ready++;
    }
    if (ready > 0) c.slots.splice(0, ready);
    if (c.holdWrites) return;
    if (!c.writing && c.outCount > 0) this.#writeLoop(c);
    else if (!c.busy && c.closeWhenFlushed) this.#drop(c);
  }

  async #writeLoop(c: Connection): Promise<void> {
    c.writing = true;
    try {
      while (c.outCount > 0 && !c.closed) {
        c.active = true;
        const batch = c.out;
        c.out = c.spare ?? new FrameBuffer();
        c.spare = null;
        c.outCount = 0;
        let after: (() => void)[] | null = null;
        if (c.outAfter.length > 0) {
          after = c.outAfter;
          c.outAfter = [];
        }
        const size = batch.length;
        await writeAll(c.conn, batch.bytes());
        batch.clear();
        c.spare = batch;
        c.outBytes -= size;
        c.active = true;
        c.notify();
        if (after !== null) this.#runAfter(after);
      }
    } catch {
      c.close(); // peer gone
    } finally {
      c.writing = false;
    }
    if (c.closed || (c.closeWhenFlushed && !c.busy)) this.#drop(c);
    else c.notify();
    this.#checkIdle();
  }

  #runAfter(after: (() => void)[]): void {
    for (const fn of after) {
      try {
        fn();
      } catch {
        // a hook failing must not break the connection
      }
    }
  }

  /**
   * Closes connections idle for `command_idle_timeout` — no request read and
   * nothing written — or stuck writing to a reader that stopped reading.
   * Connections waiting for a command's answer are not idle.
   */
  #sweepIdle(): void {
    const now = performance.now();
    for (const c of this.#connections) {
      if (c.active) {
        c.active = false;
        c.lastActivity = now;
      } else if (
        now - c.lastActivity > this.#idleMs && (c.writing || c.slots.length === 0)
      ) {
        this.#drop(c);
      }
    }
  }

  /** Writes the audit line of one request (when auditing is on); returns the user it names. */
  #auditRequest(c: Connection, outcome: RequestOutcome, agent?: string): string {
    const who = c.who;
    if (!this.#audit.enabled) return who.user;
    const entry: AuditEntry = {
      time: new Date(),
      user: who.user,
      reported: true,
      command: outcome.request?.command ?? "-",
      result: outcome.result,
      code: outcome.code,
      durationMs: performance.now() - outcome.started,
    };
    if (agent !== undefined) entry.agent = agent;
    if (who.uid !== undefined) entry.uid = who.uid;
    if (who.pid !== undefined) entry.pid = who.pid;
    if (outcome.error !== undefined) entry.error = outcome.error;
    this.#audit.write(entry);
    return who.user;
  }

  /** Audits a parsed request and records its `event`. */
  #record(c: Connection, outcome: RequestOutcome & { request: ControlRequest }, event: EventName) {
    const { request, result, code } = outcome;
    const agent = agentOf(request.command, request.args);
    const user = this.#auditRequest(c, outcome, agent);
    try {
      this.#controller.events.appendJson(
        event,
        agent ?? null,
        commandEventJson(c, request, user, result, code),
      );
    } catch {
      // The event store may already be closed during shutdown; the audit line was written.
    }
  }
}

/**
 * The data of a command event, `{command, args, user, result, code}`, as
 * JSON text. A connection repeating a command without arguments (a polling
 * client) gets the same text again, built once.
 */
function commandEventJson(
  c: Connection,
  request: ControlRequest,
  user: string,
  result: AuditResult,
  code: number,
): string {
  const { command, args } = request;
  const last = c.lastEvent;
  if (
    args.length === 0 && last !== null && last.command === command && last.user === user &&
    last.result === result && last.code === code
  ) {
    return last.json;
  }
  const json = `{"command":${JSON.stringify(command)},"args":${JSON.stringify(args)},"user":${
    JSON.stringify(user)
  },"result":${JSON.stringify(result)},"code":${code}}`;
  if (args.length === 0) c.lastEvent = { command, user, result, code, json };
  return json;
}

/** A success answer carrying `text` as its data (and `id` when the request had one). */
function successJson(text: string, id: RequestId | undefined): string {
  return id === undefined
    ? `{"status":"success","data":${text}}`
    : `{"status":"success","data":${text},"id":${JSON.stringify(id)}}`;
}
