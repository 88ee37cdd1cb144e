/**
 * The time budget of output handling (docs/operations.md, "Output capture
 * and log files"): the readers of every agent's pipes share at most
 * `budgetMs` of each `windowMs`; past it they wait for the next window, and
 * the pipes' own backpressure slows the agents that write faster than that.
 *
 * @module
 */

/** Options of a {@link Pacer}. */
export interface PacerOptions {
  /** Length of a window (ms). */
  windowMs: number;
  /** Time the readers may spend per window (ms). */
  budgetMs: number;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
}

/**
 * Counts the time spent handling output in the current window and says how
 * long a reader must wait before going on. One pacer is shared by every
 * reader of the process.
 *
 * @example
 * ```ts
 * const pacer = new Pacer({ windowMs: 100, budgetMs: 25 });
 * pacer.spend(30);
 * pacer.waitMs(); // about 100: wait for the next window
 * ```
 */
export class Pacer {
  readonly #windowMs: number;
  readonly #budgetMs: number;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #spent = 0;

  constructor(options: PacerOptions) {
    this.#windowMs = Math.max(1, options.windowMs);
    this.#budgetMs = Math.max(0, options.budgetMs);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Adds `ms` of work to the current window. */
  spend(ms: number): void {
    this.#roll();
    this.#spent += Math.max(0, ms);
  }

  /** Milliseconds to wait before handling more output: 0 while the budget lasts. */
  waitMs(): number {
    this.#roll();
    if (this.#spent < this.#budgetMs) return 0;
    return Math.max(0, this.#windowStart + this.#windowMs - this.#now());
  }

  /** Starts a new window when the current one is over. */
  #roll(): void {
    const now = this.#now();
    if (now >= this.#windowStart + this.#windowMs) {
      this.#windowStart = now;
      this.#spent = 0;
    }
  }
}
