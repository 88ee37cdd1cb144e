/**
 * The control server (docs/protocol.md): a UNIX socket speaking
 * length-prefixed JSON frames. This file opens the socket (listen.ts),
 * accepts connections up to `command_max_connections` (one more takes the
 * slot of the longest-stalled connection, or gets a 503 and is closed when
 * none is stalled), sweeps idle connections and unfinished frames, holds the
 * connections to their shared memory bound (`command_max_buffered_bytes`),
 * drains and closes.
 *
 * Layout of lib/control, from the socket up:
 *
 * - `transport.ts`: the listener and connection interfaces, and the adapter
 *   for `Deno.listen`; `node_transport.ts` + `node_conn.ts`: the `node:net`
 *   transport (a socket passed by systemd, verified callers); `listen.ts`
 *   chooses between them; `socket.ts` creates and removes the socket file
 *   safely.
 * - `frame.ts`: the frame codec (`FrameReader`, `FrameBuffer`).
 * - `connection.ts`: one connection's traffic — frames in, answers out in
 *   request order, bounded queue and backpressure, write batching, idle
 *   and frame-deadline sweep (`input_watch.ts`), close when flushed,
 *   server push. Knows no command. `budget.ts`: the bytes all connections
 *   hold together.
 * - `dispatch.ts`: one request's life — parse, 503 while draining,
 *   authorize (`authorize.ts`), run the handler (`commands.ts`) within
 *   `command_timeout`, audit (`audit.ts`), record the event (committed
 *   before the answer for a state-changing command), answer. Knows no
 *   socket; its policy (allowed commands, timeout, audit log) is replaceable
 *   while serving.
 * - `protocol.ts`, `identity.ts`, `json_text.ts`: request and response
 *   shapes, who a caller is (verified, or as it says), answer text kept for
 *   reuse.
 * - `client.ts`: the client side, used by the CLI.
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

import { closeQuietly } from "../close_quietly.ts";
import { getLogger } from "@logtape/logtape";
import type { AgentController, Reloader } from "../agent/controller.ts";
import { AuditLog } from "./audit.ts";
import { allowedCommands, compilePolicies } from "./authorize.ts";
import type { OrchestratorConfig } from "../config/types.ts";
import { BufferBudget } from "./budget.ts";
import { Connection, type SweepLimits } from "./connection.ts";
import { Dispatcher } from "./dispatch.ts";
import { encodeJsonFrame, writeAll } from "./frame.ts";
import { errorResponse } from "./protocol.ts";
import { verifiedCaller } from "./identity.ts";
import { openControlSocket, type OpenedSocket } from "./listen.ts";
import { removeSocket } from "./socket.ts";
import type { ControlConn, ControlListener, SocketInfo } from "./transport.ts";
import { SubscriptionHub } from "./subscribe_hub.ts";

/** How long `close` lets subscribers be handed their last frames (`ORCHESTRATOR_SHUTDOWN`). */
const SUBSCRIBER_SETTLE_MS = 1000;

/** The connection limits {@linkcode ControlServer.configureLimits} applies (options of the config). */
export type ServerLimits = Pick<
  OrchestratorConfig,
  | "command_idle_timeout"
  | "command_frame_timeout"
  | "command_max_buffered_bytes"
  | "command_max_connections"
  | "command_max_frame_bytes"
>;

/** What `ControlServer.start` needs. */
export interface ControlServerOptions {
  /** The orchestrator; config values come from `controller.config`. */
  controller: AgentController;
  /** Called (once per `shutdown` command) after the `shutdown` answer has been written. */
  onShutdownRequested: (reason: string) => void;
  /** What `reload` calls (`run` provides one); without one, `reload` answers 409. */
  reloader?: Reloader | null;
  /**
   * A listening socket passed by the service manager (lib/systemd/activation.ts):
   * served instead of binding `command_socket_path`, never removed.
   */
  inheritedFd?: number;
}

/** The control socket server. Create with `ControlServer.start`. */
export class ControlServer {
  /** Runs the requests; its `configure` replaces the policy while serving. */
  readonly dispatcher: Dispatcher;
  /** The socket served, as `stats` shows it. */
  readonly socket: SocketInfo;
  #owned: OpenedSocket["owned"];
  #controller: AgentController;
  #listener: ControlListener;
  #maxFrame: number;
  #limits: SweepLimits;
  #budget: BufferBudget;
  #maxConnections: number;
  #connections = new Set<Connection>();
  #closed = false;
  #sweep: ReturnType<typeof setInterval>;
  #accepting: Promise<void>;
  #idleWaiters: (() => void)[] = [];
  #log = getLogger(["orchestrator", "control"]);

  private constructor(options: ControlServerOptions, opened: OpenedSocket, audit: AuditLog) {
    const config = options.controller.config;
    this.socket = opened.info;
    this.#controller = options.controller;
    this.dispatcher = new Dispatcher({
      controller: options.controller,
      onShutdownRequested: options.onShutdownRequested,
      reloader: options.reloader ?? null,
      policy: {
        allowed: allowedCommands(config),
        policies: compilePolicies(config),
        timeoutMs: config.command_timeout * 1000,
        audit,
      },
      socket: opened.info,
    });
    this.#owned = opened.owned;
    this.#listener = opened.listener;
    this.#maxFrame = config.command_max_frame_bytes;
    this.#limits = {
      idleMs: config.command_idle_timeout * 1000,
      frameMs: config.command_frame_timeout * 1000,
    };
    this.#budget = new BufferBudget(config.command_max_buffered_bytes);
    this.#maxConnections = config.command_max_connections;
    this.#sweep = this.#startSweep();
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Applies the connection limits of `config` while serving (a reload):
   * the idle and frame times and the shared buffer bound at once, to every
   * connection; the connection count to the next accept; the largest frame
   * to connections accepted from now on (an open one keeps its reader).
   */
  configureLimits(config: ServerLimits): void {
    this.#maxFrame = config.command_max_frame_bytes;
    this.#maxConnections = config.command_max_connections;
    this.#budget.limit = config.command_max_buffered_bytes;
    const idleMs = config.command_idle_timeout * 1000;
    const frameMs = config.command_frame_timeout * 1000;
    if (idleMs !== this.#limits.idleMs || frameMs !== this.#limits.frameMs) {
      this.#limits = { idleMs, frameMs };
      if (!this.#closed) {
        clearInterval(this.#sweep);
        this.#sweep = this.#startSweep();
      }
    }
  }

  /**
   * The sweep timer. Activity and frames are noticed by the sweep (see
   * Connection.sweep), so a connection idles out between idle and idle + 2
   * sweeps, and an unfinished frame expires between its deadline and the
   * deadline + 2 sweeps.
   */
  #startSweep(): ReturnType<typeof setInterval> {
    const sweepMs = Math.min(
      1000,
      Math.max(20, Math.min(this.#limits.idleMs, this.#limits.frameMs) / 8),
    );
    const timer = setInterval(() => this.#sweepIdle(), sweepMs);
    Deno.unrefTimer(timer);
    return timer;
  }

  /**
   * Binds the socket at `controller.config.command_socket_path` with
   * `command_socket_permissions` (or takes `inheritedFd`) and starts
   * serving. Call it only when `enable_command_interface` is true. Rejects
   * (with a clear message) when another orchestrator listens on the path,
   * the path is not usable, or the passed descriptor cannot be served.
   */
  static async start(options: ControlServerOptions): Promise<ControlServer> {
    const config = options.controller.config;
    const audit = await AuditLog.open({
      path: config.cli_audit_log_path,
      log: config.log_cli_commands,
      maxBytes: config.cli_audit_log_max_bytes,
      maxFiles: config.cli_audit_log_max_files,
    });
    let opened: OpenedSocket;
    try {
      opened = await openControlSocket(config, options.inheritedFd);
    } catch (error) {
      audit.close();
      throw error;
    }
    return new ControlServer(options, opened, audit);
  }

  /** The socket path. */
  get path(): string {
    return this.socket.path;
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Bytes the connections hold now (unread input and queued answers), against `command_max_buffered_bytes`. */
  get bufferedBytes(): number {
    return this.#budget.used;
  }

  /** True once `drain` has been called: new requests get 503. */
  get draining(): boolean {
    return this.dispatcher.draining;
  }

  /**
   * Stops accepting new commands (they answer 503) and waits until the
   * commands in flight have answered and their answers are written, at most
   * `timeoutMs`. Resolves `true` when everything finished in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.dispatcher.drain();
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

  /**
   * Closes the listener and every connection and removes the socket file it
   * bound (a passed socket's file stays). Subscribers are first handed the
   * frames they were sent (at most 1 s). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.dispatcher.drain();
    clearInterval(this.#sweep);
    this.#listener.close();
    await SubscriptionHub.settle(this.#controller, SUBSCRIBER_SETTLE_MS);
    for (const c of this.#connections) c.close();
    await this.#accepting;
    if (this.#owned !== null) await removeSocket(this.#owned);
    this.dispatcher.close();
    this.#checkIdle();
  }

  #idle(): boolean {
    if (this.dispatcher.inFlight > 0) return false;
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
    for (;;) {
      let conn: ControlConn | null;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        // A transient failure (e.g. out of file descriptors): keep serving, retry shortly.
        this.#log.warn("Cannot accept a control connection: {message}", {
          message: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (conn === null) return; // listener closed
      if (this.#closed) {
        closeQuietly(conn);
        return;
      }
      if (this.#connections.size >= this.#maxConnections && !this.#evictStalled()) {
        this.#refuse(conn);
        continue;
      }
      const c = new Connection(conn, {
        maxFrameBytes: this.#maxFrame,
        now: performance.now(),
        onClose: (closed) => {
          this.#connections.delete(closed);
          this.#checkIdle();
        },
        onFlushed: () => this.#checkIdle(),
        budget: this.#budget,
      });
      this.#connections.add(c);
      const caller = conn.peer === undefined ? undefined : verifiedCaller(conn.peer);
      c.serve(this.dispatcher.session(c, caller));
    }
  }

  /**
   * All slots are taken: closes the connection stalled longest — a frame
   * started and left unfinished, or nothing sent since it connected, as
   * seen by a sweep — so the new client gets its slot. False when none is
   * stalled (the new client is refused).
   */
  #evictStalled(): boolean {
    let victim: Connection | null = null;
    let since = Infinity;
    for (const c of this.#connections) {
      const s = c.stalledSince;
      if (s !== null && s < since) {
        since = s;
        victim = c;
      }
    }
    if (victim === null) return false;
    this.#log.warn(
      "Closed a stalled control connection (unfinished frame or silent) to make room: limit {limit}",
      { limit: this.#maxConnections },
    );
    victim.close();
    return true;
  }

  /** Answers 503 once on a connection over the limit and closes it (logged, not audited: no request was read). */
  #refuse(conn: ControlConn): void {
    this.#log.warn("Refused a control connection: {count} open (limit {limit})", {
      count: this.#connections.size,
      limit: this.#maxConnections,
    });
    const frame = encodeJsonFrame(JSON.stringify(errorResponse(
      503,
      `Too many connections (limit ${this.#maxConnections})`,
    )));
    writeAll(conn, frame).catch(() => {}).finally(() => closeQuietly(conn));
  }

  /**
   * Closes connections idle for `command_idle_timeout` — no request read and
   * nothing written — or stuck writing to a reader that stopped reading
   * (connections waiting for a command's answer are not idle), and those
   * with a frame unfinished after `command_frame_timeout`. Then, when the
   * connections' shared memory ran short since the last sweep, closes those
   * that hold memory without using it.
   */
  #sweepIdle(): void {
    const now = performance.now();
    for (const c of this.#connections) c.sweep(now, this.#limits);
    if (this.#budget.over || this.#budget.takeShortage()) this.#reclaim();
  }

  /**
   * The control buffers ran short: closes every connection whose client has
   * not read any of its answers since the last sweep, or has left a frame
   * unfinished since then (one log line for all of them).
   */
  #reclaim(): void {
    const idle = [...this.#connections].filter((c) => c.writeStuck || c.unfinishedFrame);
    if (idle.length === 0) return;
    const held = this.#budget.used;
    for (const c of idle) c.close();
    this.#log.warn(
      "Closed {count} control connections that held buffers unused (clients not reading their " +
        "answers or not finishing frames): {freed} bytes freed (limit {limit})",
      { count: idle.length, freed: held - this.#budget.used, limit: this.#budget.limit },
    );
  }
}
