/**
 * What the control server needs of a socket: a listener that hands out
 * connections, and a connection that reads and writes bytes. The connection
 * layer (connection.ts) and the server's accept loop (server.ts) see only
 * these interfaces, so another transport (a `node:net` socket, an inherited
 * systemd socket) is one more adapter here and nothing else changes.
 *
 * Two transports: `Deno.listen({transport: "unix"})` (the default; a
 * `Deno.UnixConn` already has the connection's shape and is used as it is)
 * and `node:net` (node_transport.ts), for a socket passed by systemd and for
 * verified peers (docs/systemd.md).
 *
 * @module
 */

import { closeQuietly } from "../close_quietly.ts";

/** The peer's identity as the kernel reports it (e.g. `SO_PEERCRED`), not as the client claims it. */
export interface PeerIdentity {
  uid: number;
  gid: number;
  pid: number;
}

/** The control socket served, as `stats` and the start-up log describe it. */
export interface SocketInfo {
  /** Its path (of a passed socket: the path it is bound to, else the configured one). */
  path: string;
  /** `"systemd"`: passed by the service manager; `"bound"`: bound by the orchestrator. */
  source: "systemd" | "bound";
  /** True when each caller's uid, gid and pid come from the kernel (`node:net` transport). */
  verified_peers: boolean;
}

/** One accepted connection: a byte stream in both directions. */
export interface ControlConn {
  /** Reads into `buffer`; the number of bytes read, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes` (perhaps not all); the number written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes both directions now. Throws when already closed. */
  close(): void;
  /** Closes the writing direction only (the peer reads end of stream). */
  closeWrite(): Promise<void>;
  /** The verified peer identity; undefined when the transport cannot tell (a `Deno.UnixConn`). */
  readonly peer?: PeerIdentity;
}

/** A listening socket. */
export interface ControlListener {
  /**
   * The next connection, or `null` once the listener is closed. Rejects on
   * a transient failure (e.g. out of file descriptors): the caller may retry.
   */
  accept(): Promise<ControlConn | null>;
  /** Stops listening. Idempotent. */
  close(): void;
}

/**
 * A `Deno.Listener` of UNIX connections as a {@linkcode ControlListener}.
 *
 * @example
 * ```ts
 * const listener = new DenoUnixListener(Deno.listen({ transport: "unix", path: "/tmp/o.sock" }));
 * const conn = await listener.accept(); // null once closed
 * ```
 */
export class DenoUnixListener implements ControlListener {
  #listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  #closed = false;

  constructor(listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>) {
    this.#listener = listener;
  }

  async accept(): Promise<ControlConn | null> {
    try {
      return await this.#listener.accept();
    } catch (error) {
      if (this.#closed || error instanceof Deno.errors.BadResource) return null;
      throw error;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#listener);
  }
}
