/**
 * The control socket served through Deno's `node:net` instead of
 * `Deno.listen` (docs/systemd.md), for what `Deno.listen` cannot do: adopt
 * a listening socket passed by the service manager (`server.listen({fd})`),
 * and tell who connected (`SO_PEERCRED` through lib/control/peer_cred.ts).
 *
 * {@link NodeUnixListener} and {@link NodeUnixConn} have the shape of the
 * control server's transport (a listener whose `accept()` resolves to a
 * connection, or `null` once closed; a connection with `Deno.Conn`'s
 * `read`/`write`/`close`/`closeWrite`), each connection carrying the peer's
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
import {
  AF_UNIX,
  handleFd,
  type PeerCredentials,
  peerCredentials,
  SOCK_STREAM,
  socketKind,
} from "./peer_cred.ts";
import { bindSocketWith, type BoundSocket } from "./socket.ts";

/** Default bound of unread input held per connection. */
export const DEFAULT_READ_BUFFER_BYTES = 64 * 1024;

/** Default bound of accepted connections waiting for `accept()`. */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 128;

/** Bounds of the `node:net` transport. */
export interface NodeTransportOptions {
  /** Unread input held per connection before the socket is paused (default 64 KiB). */
  readBufferBytes?: number;
  /** Connections held for `accept()` before new ones are closed (default 128). */
  maxPendingConnections?: number;
}

/** One accepted `node:net` connection, read and written like a `Deno.Conn`. */
export class NodeUnixConn {
  /** The peer's credentials from the kernel; undefined when they cannot be read. */
  readonly peer: PeerCredentials | undefined;
  #socket: Socket;
  #limit: number;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #paused = false;
  #ended = false;
  #closed = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  #pendingWrites = new Set<(error: Error) => void>();

  /** Wraps an accepted socket (created by {@link NodeUnixListener}). */
  constructor(socket: Socket, options: { readBufferBytes?: number } = {}) {
    this.#socket = socket;
    this.#limit = Math.max(1, options.readBufferBytes ?? DEFAULT_READ_BUFFER_BYTES);
    const fd = handleFd(socket);
    this.peer = (fd === null ? null : peerCredentials(fd)) ?? undefined;
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#failWrites(error);
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#failWrites(new Deno.errors.BrokenPipe("Connection closed"));
      this.#notify();
    });
  }

  /** Bytes received and not read yet (at most about `readBufferBytes` plus one chunk). */
  get bufferedBytes(): number {
    return this.#queued;
  }

  /**
   * Reads into `buffer`: the number of bytes read, or `null` at end of
   * stream. Input already received is returned before a reset is thrown.
   * Throws `Deno.errors.BadResource` once closed, `Deno.errors.Busy` when a
   * read is already pending.
   */
  async read(buffer: Uint8Array): Promise<number | null> {
    if (this.#wake !== null) throw new Deno.errors.Busy("A read is already pending");
    for (;;) {
      if (this.#closed) throw new Deno.errors.BadResource("Connection is closed");
      if (this.#queued > 0) return this.#take(buffer);
      if (this.#error !== null) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /**
   * Writes all of `bytes`; resolves with its length once the bytes have
   * left for the kernel, so the caller may reuse `bytes` then.
   */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Connection is closed"));
    if (this.#error !== null) return Promise.reject(this.#error);
    if (bytes.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.#pendingWrites.add(reject);
      this.#socket.write(bytes, (error?: Error | null) => {
        this.#pendingWrites.delete(reject);
        if (error) reject(error);
        else resolve(bytes.length);
      });
    });
  }

  /** Closes the writing direction (the peer reads end of stream); reading goes on. */
  closeWrite(): Promise<void> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Connection is closed"));
    return new Promise((resolve) => {
      const done = () => {
        this.#socket.off("close", done);
        resolve();
      };
      this.#socket.once("close", done);
      this.#socket.end(done);
    });
  }

  /** Closes both directions now; pending reads and writes fail. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks = [];
    this.#queued = 0;
    this.#socket.destroy();
    this.#failWrites(new Deno.errors.BadResource("Connection is closed"));
    this.#notify();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    if (!this.#paused && this.#queued >= this.#limit) {
      this.#paused = true;
      this.#socket.pause(); // the consumer is behind: stop reading from the kernel
    }
    this.#notify();
  }

  /** Copies queued input into `buffer`; resumes the socket once the consumer caught up. */
  #take(buffer: Uint8Array): number {
    let n = 0;
    while (n < buffer.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const part = Math.min(buffer.length - n, chunk.length - this.#head);
      buffer.set(chunk.subarray(this.#head, this.#head + part), n);
      n += part;
      this.#head += part;
      if (this.#head === chunk.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    this.#queued -= n;
    if (this.#paused && this.#queued < this.#limit / 2) {
      this.#paused = false;
      this.#socket.resume();
    }
    return n;
  }

  #failWrites(error: Error): void {
    for (const reject of this.#pendingWrites) reject(error);
    this.#pendingWrites.clear();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
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
