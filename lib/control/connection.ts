/**
 * One control connection's traffic (docs/protocol.md): frames in through a
 * {@linkcode FrameReader}, answers out in request order. Knows nothing of
 * commands: each frame goes to a {@linkcode FrameHandler} (the dispatch
 * layer), which answers through the connection's {@linkcode AnswerQueue}.
 *
 * - Order: an answer computed at once goes straight to the write queue when
 *   nothing is owed before it; an asynchronous one reserves a slot, and
 *   answers behind a slot wait in slots of their own until it is filled.
 * - Bounds: past {@linkcode MAX_PIPELINE} answers or
 *   {@linkcode MAX_BACKLOG_BYTES} queued bytes the connection stops reading
 *   (the client's own writes then block), and a server push is refused.
 * - Batching: requests that arrived in one read are answered with one write.
 * - Idle: `sweep` closes a connection that neither read nor wrote for the
 *   idle time, unless it waits for a command's answer; a connection stuck
 *   writing to a client that stopped reading idles out too.
 * - Close: after EOF or a framing violation the answers still owed are
 *   written, then the connection closes.
 *
 * @module
 */

import { FrameBuffer, FrameReader, writeAll } from "./frame.ts";
import type { ControlConn } from "./transport.ts";

/** Most answers queued on one connection before the server stops reading from it. */
export const MAX_PIPELINE = 256;
/** Most answer bytes queued on one connection before the server stops reading from it. */
export const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

/** An answer: its JSON text, or its whole frame when one is kept for reuse (`JsonText.frame`). */
export type Answer = string | Uint8Array;

/** A place in a connection's answer order, reserved for an answer that comes later. */
export interface AnswerSlot {
  answer: Answer | null;
  after: (() => void) | null;
}

/** How the dispatch layer answers on a connection. */
export interface AnswerQueue {
  /** Queues an answer computed now, behind every answer owed before it; `after` runs once it is written. */
  reply(answer: Answer, after?: (() => void) | null): void;
  /** Reserves the next place in answer order, for an answer that comes later. */
  reserve(): AnswerSlot;
  /** Fills a reserved place; the answers ready behind it go out with it. */
  settle(slot: AnswerSlot, answer: Answer, after?: (() => void) | null): void;
  /**
   * Queues a frame that answers no request (server push), in order with the
   * answers: behind every request read before it; `after` runs once it is
   * written. Returns false, queueing nothing, when the connection is closing
   * or at its bound (the same as for answers); the caller then drops the
   * frame or the client.
   */
  push(frame: Answer, after?: (() => void) | null): boolean;
  /** Closes the connection now (answers not yet written are dropped). */
  close(): void;
  /** Runs `fn` once, when the connection closes (at once if it is closed). */
  whenClosed(fn: () => void): void;
}

/** What a connection hands its input to. */
export interface FrameHandler {
  /** One well-framed payload, valid only during the call; answered through the queue. */
  frame(payload: Uint8Array): void;
  /** A framing violation; the connection closes once the answers owed (this one's too) are written. */
  violation(code: 400 | 413, message: string): void;
}

/** What {@linkcode Connection} needs besides its socket. */
export interface ConnectionOptions {
  /** Largest frame payload read (`command_max_frame_bytes`). */
  maxFrameBytes: number;
  /** `performance.now()` at accept. */
  now: number;
  /** Called once, when the connection closes. */
  onClose: (connection: Connection) => void;
  /** Called when answers were written or dropped (the server's drain watches this). */
  onFlushed: () => void;
}

/** One accepted connection; `serve` runs its read loop. */
export class Connection implements AnswerQueue {
  #conn: ControlConn;
  #reader: FrameReader;
  /** Answers waiting for an earlier (asynchronous) answer, in request order. */
  #slots: AnswerSlot[] = [];
  /** Framed answers ready to write, in order; swapped with `#spare` while a write is under way. */
  #out = new FrameBuffer();
  #spare: FrameBuffer | null = null;
  /** Answers in `#out`. */
  #outCount = 0;
  /** Bytes in `#out` plus bytes being written. */
  #outBytes = 0;
  #outAfter: (() => void)[] = [];
  #writing = false;
  /** Set by every read and write; `sweep` clears it and counts idle time from then (no clock read per request). */
  #active = true;
  #lastActivity: number;
  #closeWhenFlushed = false;
  #closed = false;
  /** Set while requests that arrived together are handled, so their answers go out in one write. */
  #holdWrites = false;
  /** Resolved when a write completes or the connection closes (read loop backpressure). */
  #wake: (() => void) | null = null;
  #onClose: (connection: Connection) => void;
  #onFlushed: () => void;
  /** Run once at close (`whenClosed`). */
  #closeHooks: (() => void)[] | null = null;

  constructor(conn: ControlConn, options: ConnectionOptions) {
    this.#conn = conn;
    this.#reader = new FrameReader(conn, { maxFrameBytes: options.maxFrameBytes });
    this.#lastActivity = options.now;
    this.#onClose = options.onClose;
    this.#onFlushed = options.onFlushed;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True while answers are owed or being written. */
  get busy(): boolean {
    return this.#slots.length > 0 || this.#writing || this.#outCount > 0;
  }

  get #congested(): boolean {
    return this.#slots.length + this.#outCount >= MAX_PIPELINE ||
      this.#outBytes >= MAX_BACKLOG_BYTES;
  }

  /** Reads frames and hands them to `handler` until EOF, a framing violation or close. */
  async serve(handler: FrameHandler): Promise<void> {
    try {
      while (!this.#closed && !this.#closeWhenFlushed) {
        if (this.#congested) {
          this.#holdWrites = false;
          this.#flush();
          while (this.#congested && !this.#closed) {
            await new Promise<void>((resolve) => (this.#wake = resolve));
          }
        }
        if (this.#closed) break;
        const outcome = await this.#reader.read();
        if (outcome.kind === "eof") break;
        this.#active = true;
        if (outcome.kind === "error") {
          // A framing violation: answer once, then close once the answer is out.
          this.#holdWrites = false;
          handler.violation(outcome.code, outcome.message);
          this.#closeWhenFlushed = true;
          this.#flush();
          break;
        }
        this.#holdWrites = this.#reader.frameReady;
        handler.frame(outcome.payload);
        if (!this.#holdWrites) this.#flush();
      }
    } catch {
      // Connection reset or closed under us: nothing to answer.
    }
    this.#holdWrites = false;
    this.#closeWhenFlushed = true;
    this.#flush(); // answers still owed go out, then the connection closes
    if (this.#closed || !this.busy) this.close();
  }

  reply(answer: Answer, after: (() => void) | null = null): void {
    if (this.#slots.length > 0) {
      this.#slots.push({ answer, after }); // an earlier answer is still owed: nothing can go out yet
      return;
    }
    if (this.#closed) return;
    this.#queue(answer, after);
    if (!this.#holdWrites && !this.#writing) this.#writeLoop();
  }

  reserve(): AnswerSlot {
    const slot: AnswerSlot = { answer: null, after: null };
    this.#slots.push(slot);
    return slot;
  }

  settle(slot: AnswerSlot, answer: Answer, after: (() => void) | null = null): void {
    slot.answer = answer;
    slot.after = after;
    this.#flush();
  }

  push(frame: Answer, after: (() => void) | null = null): boolean {
    if (this.#closed || this.#closeWhenFlushed || this.#congested) return false;
    this.reply(frame, after);
    return true;
  }

  whenClosed(fn: () => void): void {
    if (this.#closed) fn();
    else (this.#closeHooks ??= []).push(fn);
  }

  /** Closes the connection now (answers not yet written are dropped). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#notify();
    this.#onClose(this);
    if (this.#closeHooks !== null) runHooks(this.#closeHooks);
    this.#closeHooks = null;
  }

  /**
   * Called on a timer: closes the connection when it has been idle for more
   * than `idleMs` — nothing read or written since the sweep before — unless
   * it only waits for a command's answer. Activity is noticed at a sweep, so
   * a connection idles out between `idleMs` and `idleMs` + 2 sweep periods.
   */
  sweep(now: number, idleMs: number): void {
    if (this.#active) {
      this.#active = false;
      this.#lastActivity = now;
    } else if (now - this.#lastActivity > idleMs && (this.#writing || this.#slots.length === 0)) {
      this.close();
    }
  }

  /** Queues one answer behind the ones already queued. */
  #queue(answer: Answer, after: (() => void) | null): void {
    this.#outBytes += typeof answer === "string"
      ? this.#out.appendJson(answer)
      : this.#out.appendFrame(answer);
    this.#outCount++;
    if (after !== null) this.#outAfter.push(after);
  }

  /** Moves ready answers (in order) to the write queue and starts writing. */
  #flush(): void {
    if (this.#closed) {
      this.#slots.length = 0;
      this.#onFlushed();
      return;
    }
    const slots = this.#slots;
    let ready = 0;
    while (ready < slots.length && slots[ready].answer !== null) {
      this.#queue(slots[ready].answer!, slots[ready].after);
      ready++;
    }
    if (ready > 0) slots.splice(0, ready);
    if (this.#holdWrites) return;
    if (!this.#writing && this.#outCount > 0) this.#writeLoop();
    else if (!this.busy && this.#closeWhenFlushed) this.close();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#outCount > 0 && !this.#closed) {
        this.#active = true;
        const batch = this.#out;
        this.#out = this.#spare ?? new FrameBuffer();
        this.#spare = null;
        this.#outCount = 0;
        let after: (() => void)[] | null = null;
        if (this.#outAfter.length > 0) {
          after = this.#outAfter;
          this.#outAfter = [];
        }
        const size = batch.length;
        await writeAll(this.#conn, batch.bytes());
        batch.clear();
        this.#spare = batch;
        this.#outBytes -= size;
        this.#active = true;
        this.#notify();
        if (after !== null) runHooks(after);
      }
    } catch {
      this.close(); // peer gone
    } finally {
      this.#writing = false;
    }
    if (this.#closeWhenFlushed && !this.busy) this.close();
    else this.#notify();
    this.#onFlushed();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** Runs hooks that wait for an answer to be written; one failing breaks nothing. */
function runHooks(hooks: (() => void)[]): void {
  for (const fn of hooks) {
    try {
      fn();
    } catch {
      // a hook failing must not break the connection
    }
  }
}
