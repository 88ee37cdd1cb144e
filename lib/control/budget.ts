/**
 * The memory all control connections may hold together
 * (`command_max_buffered_bytes`, docs/protocol.md "Limits"): the buffers
 * their unread input sits in and the answers queued for them. One per
 * server, shared by its connections; a single-threaded counter.
 *
 * - Input asks first (`tryTake`): a frame that does not fit is refused, and
 *   the connection answers 503 and closes.
 * - A small answer is counted whatever the limit (`take`); a large one is
 *   queued only when it `fits`, else it is replaced by a 503 and the
 *   connection closes. While the total is over the limit (`over`),
 *   connections with answers still queued stop reading.
 * - After a refusal (`takeShortage`) or while over the limit, the server
 *   closes the connections that hold memory without using it: clients that
 *   do not read their answers, frames left unfinished.
 *
 * @module
 */

import type { ByteBudget } from "./frame.ts";

/**
 * A shared count of bytes against a limit.
 *
 * @example
 * ```ts
 * const budget = new BufferBudget(64 << 20);
 * budget.tryTake(1 << 20); // true
 * budget.release(1 << 20);
 * ```
 */
export class BufferBudget implements ByteBudget {
  /**
   * The limit in bytes. A reload may change it: what is held beyond a lower
   * one is not taken back, but nothing more is granted until it is released.
   */
  limit: number;
  #used = 0;
  #short = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** True while more than the limit is held. */
  get over(): boolean {
    return this.#used > this.limit;
  }

  /** True when `bytes` more fit under the limit; a false answer is remembered as a shortage. */
  fits(bytes: number): boolean {
    if (this.#used + bytes <= this.limit) return true;
    this.#short = true;
    return false;
  }

  tryTake(bytes: number): boolean {
    if (!this.fits(bytes)) return false;
    this.#used += bytes;
    return true;
  }

  /** True when something was refused since the last call (and clears it). */
  takeShortage(): boolean {
    const short = this.#short;
    this.#short = false;
    return short;
  }

  take(bytes: number): void {
    this.#used += bytes;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}
