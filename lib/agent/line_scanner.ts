/**
 * Finds the lines in a byte stream, with a bound on line length
 * (`output_line_max_bytes`, docs/config.md): counts the lines past the bound
 * and, for a `readiness.log_pattern` or an output observer (`subscribe`),
 * hands each line to a callback in slices of a bounded number of lines.
 * Pure, no I/O.
 *
 * @module
 */

/** Lines handed to the callback per {@link LineScanner.scan} call at most. */
export const LINES_PER_SCAN = 256;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Scans chunks of one stream for lines (`\n`; a `\r` before it is not part
 * of the line). A line longer than `lineMax` bytes is cut: it counts once in
 * {@link cutLines}, the callback gets its first `lineMax` bytes as soon as
 * they are there, and the rest up to the next newline is skipped. Memory
 * stays bounded by `lineMax` whatever the stream holds.
 *
 * Without a callback only the cut lines are counted, with a few native
 * searches per `lineMax` bytes and no per-line work.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const s = new LineScanner(4, (line) => lines.push(line));
 * const chunk = new TextEncoder().encode("ab\r\nabcdefg\nc");
 * for (let at = 0; at < chunk.length;) at = s.scan(chunk, at);
 * s.end(); // lines: ["ab", "abcd", "c"]; s.cutLines === 1
 * ```
 */
export class LineScanner {
  /** Lines longer than the bound seen so far. */
  cutLines = 0;
  readonly #lineMax: number;
  #onLine: ((line: string) => void) | null;
  readonly #decoder = new TextDecoder();
  /** Bytes of the current line seen so far (before the cut). */
  #lineLength = 0;
  /** True while skipping the rest of a cut line. */
  #cutting = false;
  /** The current line's bytes (only with a callback), `#lineLength` of them. */
  #partial = new Uint8Array(0);
  /** True while the current line's start was not kept (a callback came mid-line): it is skipped. */
  #headless = false;

  constructor(lineMax: number, onLine: ((line: string) => void) | null) {
    this.#lineMax = Math.max(1, Math.floor(lineMax));
    this.#onLine = onLine;
  }

  /**
   * Scans `chunk` from `offset` and returns the offset reached: the end of
   * the chunk, or (with a callback) the start of the line after
   * {@link LINES_PER_SCAN} lines. Call again with that offset to go on.
   */
  scan(chunk: Uint8Array, offset: number): number {
    return this.#onLine === null ? this.#count(chunk, offset) : this.#lines(chunk, offset);
  }

  /** End of the stream: hands over the unfinished last line, if any. */
  end(): void {
    if (this.#onLine !== null && !this.#cutting && !this.#headless && this.#lineLength > 0) {
      this.#emit(this.#partial.subarray(0, this.#lineLength));
    }
    this.#lineLength = 0;
    this.#cutting = false;
    this.#headless = false;
    this.#partial = new Uint8Array(0);
  }

  /**
   * Replaces the callback (`null`: count only). Between two `scan` calls
   * only. When a callback comes in the middle of a line, that line is not
   * handed over (its start was not kept), but still counted if cut.
   */
  listen(onLine: ((line: string) => void) | null): void {
    if (onLine === this.#onLine) return;
    if (this.#onLine === null && !this.#cutting && this.#lineLength > 0) this.#headless = true;
    this.#onLine = onLine;
    if (onLine === null) {
      this.#headless = false;
      this.#partial = new Uint8Array(0);
    }
  }

  /** Counting only: jumps over whole runs of short lines with `lastIndexOf`. */
  #count(chunk: Uint8Array, offset: number): number {
    const n = chunk.length;
    let p = offset;
    while (p < n) {
      if (this.#cutting) {
        const nl = chunk.indexOf(NEWLINE, p);
        if (nl < 0) return n;
        this.#cutting = false;
        this.#lineLength = 0;
        p = nl + 1;
        continue;
      }
      // A newline at p + room still ends a line of exactly lineMax bytes.
      const room = this.#lineMax - this.#lineLength;
      const limit = Math.min(n - 1, p + room);
      const nl = chunk.lastIndexOf(NEWLINE, limit);
      if (nl >= p) {
        this.#lineLength = 0;
        p = nl + 1;
      } else if (p + room >= n) {
        this.#lineLength += n - p;
        p = n;
      } else {
        this.cutLines++;
        this.#cutting = true;
        p += room;
      }
    }
    return n;
  }

  /** With a callback: line by line, at most LINES_PER_SCAN lines. */
  #lines(chunk: Uint8Array, offset: number): number {
    const n = chunk.length;
    const max = this.#lineMax;
    let p = offset;
    let lines = 0;
    while (p < n && lines < LINES_PER_SCAN) {
      const nl = chunk.indexOf(NEWLINE, p);
      const end = nl < 0 ? n : nl;
      if (this.#cutting) {
        if (nl < 0) return n;
        this.#cutting = false;
        p = nl + 1;
        continue;
      }
      if (this.#lineLength + (end - p) > max) {
        if (!this.#headless) {
          this.#append(chunk.subarray(p, p + max - this.#lineLength));
          this.#emit(this.#partial.subarray(0, max));
        }
        this.#headless = false;
        this.cutLines++;
        this.#lineLength = 0;
        lines++;
        if (nl < 0) {
          this.#cutting = true;
          return n;
        }
        p = nl + 1;
        continue;
      }
      if (nl < 0) {
        if (this.#headless) this.#lineLength += n - p;
        else this.#append(chunk.subarray(p, n));
        return n;
      }
      if (this.#headless) {
        // the end of a line whose start was not kept
        this.#headless = false;
        this.#lineLength = 0;
        p = nl + 1;
        continue;
      }
      if (this.#lineLength === 0) {
        this.#emit(chunk.subarray(p, withoutCr(chunk, p, nl)));
      } else {
        this.#append(chunk.subarray(p, nl));
        const all = this.#partial.subarray(0, this.#lineLength);
        this.#emit(all.subarray(0, withoutCr(all, 0, all.length)));
        this.#lineLength = 0;
      }
      lines++;
      p = nl + 1;
    }
    return p;
  }

  /** Adds bytes to the current line (never past lineMax in total). */
  #append(bytes: Uint8Array): void {
    const need = this.#lineLength + bytes.length;
    if (need > this.#partial.length) {
      let size = Math.max(64, this.#partial.length);
      while (size < need) size *= 2;
      const next = new Uint8Array(Math.min(size, this.#lineMax));
      next.set(this.#partial.subarray(0, this.#lineLength));
      this.#partial = next;
    }
    this.#partial.set(bytes, this.#lineLength);
    this.#lineLength = need;
  }

  #emit(bytes: Uint8Array): void {
    this.#onLine!(this.#decoder.decode(bytes));
  }
}

/** End of the line [from, nl) without a trailing `\r`. */
function withoutCr(bytes: Uint8Array, from: number, nl: number): number {
  return nl > from && bytes[nl - 1] === CR ? nl - 1 : nl;
}
