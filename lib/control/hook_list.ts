/**
 * Callbacks waiting for one write (`after` hooks of the answers and pushed
 * frames in it), kept without allocating per write: the list is emptied in
 * place, never replaced.
 *
 * @module
 */

/** An ordered list of callbacks, run once and emptied in place. */
export class HookList {
  #fns: ((() => void) | null)[] = [];
  #count = 0;

  /** Hooks waiting. */
  get size(): number {
    return this.#count;
  }

  /** Adds `fn` at the end. */
  add(fn: () => void): void {
    if (this.#count < this.#fns.length) this.#fns[this.#count] = fn;
    else this.#fns.push(fn);
    this.#count++;
  }

  /** Runs the hooks in order, then empties the list; one throwing stops none of the others. */
  run(): void {
    const fns = this.#fns;
    const count = this.#count;
    this.#count = 0;
    for (let i = 0; i < count; i++) {
      const fn = fns[i]!;
      fns[i] = null;
      try {
        fn();
      } catch {
        // a hook failing must not break the connection
      }
    }
  }

  /** Empties the list without running the hooks. */
  clear(): void {
    this.#fns.fill(null, 0, this.#count);
    this.#count = 0;
  }
}
