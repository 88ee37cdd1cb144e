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
 *   (the client's own writes then block), and a server push is refused. Its
 *   unread input and queued answers count against the server's shared
 *   {@linkcode BufferBudget}: while that is over its limit, a connection
 *   with answers queued stops reading too.
 * - Batching: requests that arrived in one read are answered with one write,
 *   and frames pushed in one turn of the event loop go out in one write.
 * - Idle: `sweep` closes a connection that neither read nor wrote for the
 *   idle time, unless it waits for a command's answer; a connection stuck
 *   writing to a client that stopped reading idles out too.
 * - Frame deadline: `sweep` closes a connection that started a frame and
 *   has not finished it within the frame time (answered 400 first).
 * - Close: after EOF or a framing violation the answers still owed are
 *   written, then the connection closes. Its buffers are freed at once (not
 *   kept for reuse, not left to the garbage collector).
 *
 * @module
 */

import { closeQuietly } from "../close_quietly.ts";
import { getLogger } from "@logtape/logtape";
import type { BufferBudget } from "./budget.ts";
import { FrameBuffer, FrameReader } from "./frame.ts";
import { atEndOfTurn } from "./end_of_turn.ts";
import { HookList } from "./hook_list.ts";
import { InputWatch } from "./input_watch.ts";
import { errorResponse } from "./protocol.ts";
import type { ControlConn } from "./transport.ts";

/** Most answers queued on one connection before the server stops reading from it. */
export const MAX_PIPELINE = 256;
/** Most answer bytes queued on one connection before the server stops reading from it. */
export const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
/**
 * Answers up to this size are queued even when the connections hold more
 * than their shared limit (a client that reads its answers gets them); a
 * larger one is replaced by a 503 and the connection closed.
 */
export const SMALL_ANSWER_BYTES = 64 * 1024;

const log = getLogger(["orchestrator", "control"]);

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
  /**
   * A framing violation (400, 413), a frame not finished in time (400) or no
   * buffer space left for a frame (503); the connection closes once the
   * answers owed (this one's too) are written.
   */
  violation(code: 400 | 413 | 503, message: string): void;
}

/** The time limits `sweep` applies, in milliseconds. */
export interface SweepLimits {
  /** `command_idle_timeout`: nothing read or written for this long closes the connection. */
  idleMs: number;
  /** `command_frame_timeout`: a frame started and not finished for this long closes it. */
  frameMs: number;
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
  /** Memory shared with the server's other connections; none = only the per-connection bounds. */
  budget?: BufferBudget;
}

/** One accepted connection; `serve` runs its read loop. */
export class Connection implements AnswerQueue {
  #conn: ControlConn;
  #reader: FrameReader;
  #budget: BufferBudget | null;
  #handler: FrameHandler | null = null;
  /** Answers waiting for an earlier (asynchronous) answer, in request order. */
  #slots: AnswerSlot[] = [];
  /** Framed answers ready to write, in order; swapped with `#spare` while a write is under way. */
  #out = new FrameBuffer();
  #spare: FrameBuffer | null = null;
  /** Answers in `#out`. */
  #outCount = 0;
  /** Bytes in `#out` plus bytes being written (counted in the budget too). */
  #outBytes = 0;
  /** Hooks of the answers in `#out`; swapped with `#spareAfter` while a write is under way. */
  #outAfter = new HookList();
  #spareAfter = new HookList();
  #writing = false;
  /** Set by every read and write; `sweep` clears it and counts idle time from then (no clock read per request). */
  #active = true;
  /** Set by every write that moved bytes; `sweep` clears it (a writer that stalled in between is stuck). */
  #wrote = false;
  /** True when the last sweep saw a write under way. */
  #wasWriting = false;
  #writeStuck = false;
  #lastActivity: number;
  /** Unfinished frames and silence, as the sweeps see them. */
  #input: InputWatch;
  /** Set when the frame deadline passed: the next sweep closes the connection if it is still open. */
  #expired = false;
  #closeWhenFlushed = false;
  /** Set when a large answer did not fit: later answers are dropped, the connection closes. */
  #dropping = false;
  #closed = false;
  /** Set while requests that arrived together are handled, so their answers go out in one write. */
  #holdWrites = false;
  /** Set while a write of pushed frames waits for the end of the turn (`#writeSoon`). */
  #writeScheduled = false;
  /** Resolved when a write completes or the connection closes (read loop backpressure). */
  #wake: (() => void) | null = null;
  #onClose: (connection: Connection) => void;
  #onFlushed: () => void;
  /** Run once at close (`whenClosed`). */
  #closeHooks: HookList | null = null;

  constructor(conn: ControlConn, options: ConnectionOptions) {
    this.#conn = conn;
    this.#budget = options.budget ?? null;
    this.#reader = new FrameReader(conn, {
      maxFrameBytes: options.maxFrameBytes,
      budget: options.budget,
    });
    this.#lastActivity = options.now;
    this.#input = new InputWatch(options.now);
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

  /** Answer bytes queued or being written. */
  get queuedBytes(): number {
    return this.#outBytes;
  }

  /** True when a write was under way at the last two sweeps and moved no byte in between. */
  get writeStuck(): boolean {
    return this.#writeStuck && this.#writing && !this.#closed;
  }

  /**
   * Since when (a sweep's `now`) the client has held this connection without
   * using it: a frame started and left unfinished, or nothing sent at all
   * since it connected (its accept time). `null` when it is not stalled, or
   * no sweep has seen it yet. The server closes the longest-stalled one to
   * make room for a new client when all slots are taken.
   */
  get stalledSince(): number | null {
    return this.#closed || this.busy ? null : this.#input.stalledSince(this.#reader.buffered);
  }

  /** True when a sweep saw the frame under way unfinished, and it still is. */
  get unfinishedFrame(): boolean {
    return !this.#closed && this.#input.unfinished;
  }

  get #congested(): boolean {
    return this.#slots.length + this.#outCount >= MAX_PIPELINE ||
      this.#outBytes >= MAX_BACKLOG_BYTES ||
      (this.#outBytes > 0 && this.#budget !== null && this.#budget.over);
  }

  /** Reads frames and hands them to `handler` until EOF, a framing violation or close. */
  async serve(handler: FrameHandler): Promise<void> {
    this.#handler = handler;
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
        this.#input.waiting(true);
        const outcome = await this.#reader.read();
        this.#input.waiting(false);
        if (outcome.kind === "eof" || this.#closeWhenFlushed) break;
        this.#active = true;
        if (outcome.kind === "error") {
          // A framing violation or no room for the frame: answer once, then close once the answer is out.
          if (outcome.code === 503) {
            log.warn("Closed a control connection: {message} (limit {limit} bytes)", {
              message: outcome.message,
              limit: this.#budget?.limit,
            });
          }
          this.#holdWrites = false;
          handler.violation(outcome.code, outcome.message);
          this.#closeWhenFlushed = true;
          this.#flush();
          break;
        }
        this.#input.frameRead();
        this.#holdWrites = this.#reader.frameReady;
        handler.frame(outcome.payload);
        if (!this.#holdWrites) this.#flush();
      }
    } catch {
      // Connection reset or closed under us: nothing to answer.
    }
    this.#input.waiting(false);
    this.#reader.release();
    this.#holdWrites = false;
    this.#closeWhenFlushed = true;
    this.#flush(); // answers still owed go out, then the connection closes
    if (this.#closed || !this.busy) this.close();
  }

  reply(answer: Answer, after: (() => void) | null = null): void {
    if (this.#dropping) return;
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
    if (!this.#dropping) this.#slots.push(slot);
    return slot;
  }

  settle(slot: AnswerSlot, answer: Answer, after: (() => void) | null = null): void {
    slot.answer = answer;
    slot.after = after;
    this.#flush();
  }

  push(frame: Answer, after: (() => void) | null = null): boolean {
    if (this.#closed || this.#closeWhenFlushed || this.#congested) return false;
    if (this.#slots.length > 0 || this.#dropping) {
      this.reply(frame, after);
      return true;
    }
    this.#queue(frame, after);
    if (!this.#holdWrites && !this.#writing) this.#writeSoon();
    return true;
  }

  /**
   * Starts writing at the end of this turn of the event loop, so that every
   * frame pushed in the turn (an event for each request of a batch, a burst
   * of output lines) goes out in one write.
   */
  #writeSoon(): void {
    if (this.#writeScheduled) return;
    this.#writeScheduled = true;
    atEndOfTurn(this.#writeDeferred);
  }

  #writeDeferred = () => {
    this.#writeScheduled = false;
    if (!this.#closed && !this.#holdWrites && !this.#writing && this.#outCount > 0) {
      this.#writeLoop();
    }
  };

  whenClosed(fn: () => void): void {
    if (this.#closed) fn();
    else (this.#closeHooks ??= new HookList()).add(fn);
  }

  /** Closes the connection now (answers not yet written are dropped, buffers freed). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#conn);
    this.#reader.release(); // a read still pending on it ends with the connection
    this.#budget?.release(this.#outBytes);
    this.#outBytes = 0;
    this.#outCount = 0;
    this.#out.release();
    this.#spare?.release();
    this.#spare = null;
    this.#notify();
    this.#onClose(this);
    const hooks = this.#closeHooks;
    this.#closeHooks = null;
    hooks?.run();
  }

  /**
   * Called on a timer. Closes the connection when it has been idle for more
   * than `idleMs` — nothing read or written since the sweep before — unless
   * it only waits for a command's answer; or when a frame it started is
   * still unfinished after `frameMs` (answered 400, then closed). Activity
   * and frames are noticed at a sweep, so a connection idles out between
   * `idleMs` and `idleMs` + 2 sweep periods, and a frame expires between
   * `frameMs` and `frameMs` + 2 periods after its first bytes.
   */
  sweep(now: number, limits: SweepLimits): void {
    if (this.#closed) return;
    this.#writeStuck = this.#writing && this.#wasWriting && !this.#wrote;
    this.#wasWriting = this.#writing;
    this.#wrote = false;
    if (this.#expired) {
      this.close(); // its 400 could not be written by now
      return;
    }
    if (this.#input.sweep(now, this.#reader.buffered, limits.frameMs)) {
      this.#expire(limits.frameMs);
      return;
    }
    if (this.#active) {
      this.#active = false;
      this.#lastActivity = now;
    } else if (
      now - this.#lastActivity > limits.idleMs && (this.#writing || this.#slots.length === 0)
    ) {
      this.close();
    }
  }

  /** The frame deadline passed: answer 400 and close once it is written (at the next sweep at the latest). */
  #expire(frameMs: number): void {
    this.#expired = true;
    this.#closeWhenFlushed = true;
    this.#handler?.violation(400, `Frame not finished within ${frameMs / 1000} s`);
    this.#flush();
  }

  /** Queues one answer behind the ones already queued. */
  #queue(answer: Answer, after: (() => void) | null): void {
    if (this.#dropping) return;
    if (!this.#fits(answer)) {
      this.#refuse(answer);
      return;
    }
    const size = typeof answer === "string"
      ? this.#out.appendJson(answer)
      : this.#out.appendFrame(answer);
    this.#outBytes += size;
    this.#budget?.take(size);
    this.#outCount++;
    if (after !== null) this.#outAfter.add(after);
  }

  /** True when `answer` may be queued: small, or within the shared limit. */
  #fits(answer: Answer): boolean {
    const budget = this.#budget;
    // At least the answer's bytes: a frame's length, or a text's UTF-16 units.
    const least = answer.length;
    return budget === null || least <= SMALL_ANSWER_BYTES || budget.fits(least);
  }

  /**
   * A large answer that does not fit under the shared limit: a 503 goes out
   * in its place, the answers after it are dropped, and the connection
   * closes once the 503 is written.
   */
  #refuse(answer: Answer): void {
    const limit = this.#budget?.limit;
    const message = `Server busy: the answer (at least ${answer.length} bytes) ` +
      `does not fit in the control buffers (limit ${limit} bytes)`;
    log.warn("Closed a control connection: {message}", { message });
    const size = this.#out.appendJson(JSON.stringify(errorResponse(503, message)));
    this.#outBytes += size;
    this.#budget?.take(size);
    this.#outCount++;
    this.#dropping = true;
    this.#closeWhenFlushed = true;
    this.#slots.length = 0;
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
    while (ready < slots.length && slots[ready].answer !== null && !this.#dropping) {
      this.#queue(slots[ready].answer!, slots[ready].after);
      ready++;
    }
    if (this.#dropping) slots.length = 0;
    else if (ready > 0) slots.splice(0, ready);
    if (this.#holdWrites) return;
    if (!this.#writing && this.#outCount > 0) this.#writeLoop();
    else if (!this.busy && this.#closeWhenFlushed) this.close();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    let batch: FrameBuffer | null = null;
    try {
      while (this.#outCount > 0 && !this.#closed) {
        this.#active = true;
        batch = this.#out;
        this.#out = this.#spare ?? new FrameBuffer();
        this.#spare = null;
        this.#outCount = 0;
        const after = this.#outAfter;
        this.#outAfter = this.#spareAfter;
        this.#spareAfter = after;
        const bytes = batch.bytes();
        const size = bytes.length;
        let offset = await this.#conn.write(bytes);
        this.#wrote = true;
        while (offset < size && !this.#closed) {
          offset += await this.#conn.write(bytes.subarray(offset));
          this.#wrote = true;
        }
        if (this.#closed) break;
        batch.clear(); // frees a grown buffer: `bytes` is empty from here on
        this.#spare = batch;
        batch = null;
        this.#outBytes -= size;
        this.#budget?.release(size);
        this.#active = true;
        this.#notify();
        after.run();
      }
    } catch {
      this.close(); // peer gone
    } finally {
      this.#writing = false;
      if (this.#closed) {
        batch?.release(); // never kept: a closed connection frees its buffers
        this.#outAfter.clear();
        this.#spareAfter.clear();
      }
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
