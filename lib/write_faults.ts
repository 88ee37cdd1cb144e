/**
 * Failure episodes of a file whose writes never throw (the agent log files,
 * the CLI audit log; docs/operations.md, "Faults"): the first failed write
 * starts an episode (one `onError`); while it lasts, what is given is
 * dropped and counted, and a new attempt is made at most every `retryMs`;
 * the first write that works again ends it (`onRecover` with what was lost
 * in it). The unit of what is lost is the caller's: bytes or lines.
 *
 * @module
 */

/** Options of {@linkcode WriteFaults}. */
export interface WriteFaultOptions {
  /** Called once when an episode of failed writes begins. */
  onError?: (error: unknown) => void;
  /** Called when writing works again after an episode, with what was lost in it. */
  onRecover?: (lost: number) => void;
  /** Least time between two attempts while failing, in ms (default 1000). */
  retryMs?: number;
  /** Clock for the retry delay (default `Date.now`). */
  now?: () => number;
}

/** The episode state of one file: when it last failed, and what it lost. */
export class WriteFaults {
  /** Time of the last failed attempt while an episode lasts, else `null`. */
  #failedAt: number | null = null;
  #episodeLost = 0;
  #lost = 0;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #onRecover: (lost: number) => void;

  constructor(options: WriteFaultOptions) {
    this.#retryMs = Math.max(0, options.retryMs ?? 1000);
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
    this.#onRecover = options.onRecover ?? (() => {});
  }

  /** Everything dropped since creation. */
  get lost(): number {
    return this.#lost;
  }

  /** True while an episode lasts (between an `onError` and the next write that works). */
  get failing(): boolean {
    return this.#failedAt !== null;
  }

  /** True when a write should be dropped without an attempt: failing, and tried less than `retryMs` ago. */
  get waiting(): boolean {
    return this.#failedAt !== null && this.#now() - this.#failedAt < this.#retryMs;
  }

  /** An attempt failed: starts an episode (calling `onError`) or extends it. */
  fail(error: unknown): void {
    const first = this.#failedAt === null;
    this.#failedAt = this.#now();
    if (first) this.#onError(error);
  }

  /** Counts `count` dropped (in the episode too, while one lasts). */
  drop(count: number): void {
    this.#lost += count;
    if (this.#failedAt !== null) this.#episodeLost += count;
  }

  /** A write worked: ends the episode, if any, calling `onRecover`. */
  succeeded(): void {
    if (this.#failedAt === null) return;
    const lost = this.#episodeLost;
    this.#failedAt = null;
    this.#episodeLost = 0;
    this.#onRecover(lost);
  }

  /** Lets the next write try at once, without waiting for `retryMs` (after a reopen). */
  retryNow(): void {
    if (this.#failedAt !== null) this.#failedAt = -Infinity;
  }
}
