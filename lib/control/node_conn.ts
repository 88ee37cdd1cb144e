/**
 * One accepted connection of the `node:net` control transport
 * (lib/control/node_transport.ts), read and written like a `Deno.Conn`,
 * carrying the peer's kernel-verified credentials (read once, at accept).
 *
 * Bound: at most about `readBufferBytes` of unread input is held — the
 * socket is paused while the consumer does not read and resumed as it
 * reads, so a client that writes faster than the server reads is held back
 * by the kernel, not buffered here.
 *
 * @module
 */

import type { Socket } from "node:net";
import { handleFd, type PeerCredentials, peerCredentials } from "./peer_cred.ts";

/** Default bound of unread input held per connection. */
export const DEFAULT_READ_BUFFER_BYTES = 64 * 1024;

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
