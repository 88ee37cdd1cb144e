/**
 * The control socket served through Deno's `node:net` instead of
 * `Deno.listen` (docs/systemd.md), for what `Deno.listen` cannot do: adopt
 * a listening socket passed by the service manager (`server.listen({fd})`),
 * and tell who connected (`SO_PEERCRED` through lib/control/peer_cred.ts).
 *
 * {@link NodeUnixListener} has the shape of the control server's transport
 * listener (`accept()` resolves to a connection, or `null` once closed);
 * its connections ({@link NodeUnixConn}, lib/control/node_conn.ts) have
 * `Deno.Conn`'s `read`/`write`/`close`/`closeWrite` and carry the peer's
 * kernel-verified credentials, read once at accept.
 *
 * Bounds: a connection holds at most about `readBufferBytes` of unread
 * input (the socket is paused while the consumer does not read, and
 * resumed as it reads); a listener holds at most `maxPendingConnections`
 * accepted connections nobody took yet (more are closed and counted).
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { OrchestratorError } from "../errors.ts";
import { NodeUnixConn } from "./node_conn.ts";
import { AF_UNIX, SOCK_STREAM, socketKind } from "./peer_cred.ts";
import { bindSocketWith, type BoundSocket } from "./socket.ts";

/** Default bound of accepted connections waiting for `accept()`. */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 128;

/** Bounds of the `node:net` transport. */
export interface NodeTransportOptions {
  /** Unread input held per connection before the socket is paused (default 64 KiB). */
  readBufferBytes?: number;
  /** Connections held for `accept()` before new ones are closed (default 128). */
  maxPendingConnections?: number;
}

/** A listening UNIX socket served through `node:net`. */
export class NodeUnixListener {
  #server: Server;
  #options: NodeTransportOptions;
  #max: number;
  #pending: NodeUnixConn[] = [];
  #waiter: { resolve(conn: NodeUnixConn | null): void; reject(error: Error): void } | null = null;
  #closed = false;
  #dropped = 0;

  private constructor(server: Server, options: NodeTransportOptions) {
    this.#server = server;
    this.#options = options;
    this.#max = Math.max(1, options.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS);
    server.on("connection", (socket: Socket) => this.#onConnection(socket));
    server.on("error", (error: Error) => {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter?.reject(error);
    });
  }

  /**
   * Serves the listening socket at descriptor `fd` (passed by the service
   * manager, lib/systemd/activation.ts). The socket is served as it is:
   * never created, chmod-ed or removed here. Throws when `fd` is not a
   * listening UNIX stream socket (when libc can tell) or cannot be served.
   */
  static async fromFd(fd: number, options: NodeTransportOptions = {}): Promise<NodeUnixListener> {
    const kind = socketKind(fd);
    if (
      kind === "not-socket" ||
      (kind !== null && (kind.domain !== AF_UNIX || kind.type !== SOCK_STREAM || !kind.listening))
    ) {
      throw new OrchestratorError(
        500,
        `Cannot serve inherited descriptor ${fd}: not a listening UNIX stream socket`,
      );
    }
    const server = createServer({ allowHalfOpen: true });
    try {
      await listen(server, { fd });
    } catch (error) {
      server.close();
      throw new OrchestratorError(
        500,
        `Cannot serve inherited descriptor ${fd}: ${(error as Error).message}`,
      );
    }
    return new NodeUnixListener(server, options);
  }

  /**
   * Binds a new socket at `path` with file mode `mode` the way `bindSocket`
   * does (lib/control/socket.ts: no window with a wider mode, a stale file
   * replaced, a live one refused). The caller removes the file at the end
   * (`removeSocket`).
   */
  static bind(
    path: string,
    mode: number,
    options: NodeTransportOptions = {},
  ): Promise<BoundSocket<NodeUnixListener>> {
    return bindSocketWith(path, mode, async (tmpPath) => {
      const server = createServer({ allowHalfOpen: true });
      try {
        await listen(server, { path: tmpPath });
      } catch (error) {
        server.close();
        throw error;
      }
      return new NodeUnixListener(server, options);
    });
  }

  /** Connections closed at once because `maxPendingConnections` were already waiting. */
  get droppedConnections(): number {
    return this.#dropped;
  }

  /**
   * The next connection, or `null` once the listener is closed. Rejects on
   * a failure to accept (the caller may retry), and with
   * `Deno.errors.Busy` when an accept is already pending.
   */
  accept(): Promise<NodeUnixConn | null> {
    if (this.#pending.length > 0) return Promise.resolve(this.#pending.shift()!);
    if (this.#closed) return Promise.resolve(null);
    if (this.#waiter !== null) {
      return Promise.reject(new Deno.errors.Busy("An accept is already pending"));
    }
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Stops listening and closes connections not yet accepted. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const conn of this.#pending) conn.close();
    this.#pending = [];
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.resolve(null);
  }

  #onConnection(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const conn = new NodeUnixConn(socket, this.#options);
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve(conn);
    } else if (this.#pending.length < this.#max) {
      this.#pending.push(conn);
    } else {
      this.#dropped++;
      conn.close();
    }
  }
}

/** `server.listen(target)` as a promise: resolves once listening, rejects on its error. */
function listen(server: Server, target: { fd: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(target, () => {
      server.off("error", failed);
      resolve();
    });
  });
}
