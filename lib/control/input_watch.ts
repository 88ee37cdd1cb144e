/**
 * What a connection's client does with its input, as the server's sweeps
 * see it (docs/protocol.md, "Connections"): a frame started and left
 * unfinished, and since when; or nothing sent at all since it connected.
 * The connection says when it waits for input and when a frame was read;
 * the sweeps bring the time, so no clock is read per request. A client
 * counts as stalled only once two sweeps have seen it so (a whole sweep
 * period at least), never for a frame still arriving as a sweep passes. Pure.
 *
 * @module
 */

/**
 * Tracks one connection's input between sweeps.
 *
 * @example
 * ```ts
 * const watch = new InputWatch(0);
 * watch.waiting(true);
 * watch.sweep(100, 2, 500); // false: first seen unfinished at 100
 * watch.unfinished; // false: one sweep is not enough to call it stalled
 * watch.sweep(700, 2, 500); // true: unfinished for more than 500 ms
 * ```
 */
export class InputWatch {
  #accepted: number;
  /** Frames read so far: tells one unfinished frame from the next. */
  #frames = 0;
  #waiting = false;
  /** `#frames` when a sweep first saw the frame under way unfinished, else -1; and that sweep's time. */
  #mark = -1;
  #since = 0;
  /** Sweeps that have seen the connection, and the time of the latest. */
  #sweeps = 0;
  #lastSweep = 0;

  /** `accepted`: the connection's accept time, on the sweeps' clock. */
  constructor(accepted: number) {
    this.#accepted = accepted;
  }

  /** The read loop waits for input (true), or holds back or handles a frame (false). */
  waiting(on: boolean): void {
    this.#waiting = on;
  }

  /** A whole frame was read. */
  frameRead(): void {
    this.#frames++;
  }

  /**
   * A sweep at `now`, with `buffered` bytes of a frame under way. True when
   * that frame has been unfinished for more than `frameMs` since the sweep
   * that first saw it; input the server is not reading never counts.
   */
  sweep(now: number, buffered: number, frameMs: number): boolean {
    this.#sweeps++;
    this.#lastSweep = now;
    if (!this.#waiting || buffered === 0) {
      this.#mark = -1;
      return false;
    }
    if (this.#mark !== this.#frames) {
      this.#mark = this.#frames;
      this.#since = now;
      return false;
    }
    return now - this.#since > frameMs;
  }

  /** True when the frame under way was already unfinished at a sweep before the latest, and still is. */
  get unfinished(): boolean {
    return this.#waiting && this.#mark === this.#frames && this.#since < this.#lastSweep;
  }

  /**
   * Since when the client has held the connection without using it: the
   * sweep that first saw its frame unfinished, or its accept time when it
   * has sent nothing at all — in both cases seen so by two sweeps. `null`
   * otherwise.
   */
  stalledSince(buffered: number): number | null {
    if (!this.#waiting) return null;
    if (this.unfinished) return this.#since;
    return this.#sweeps >= 2 && this.#frames === 0 && buffered === 0 ? this.#accepted : null;
  }
}
