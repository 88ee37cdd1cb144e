/**
 * Bounded output capture (SPEC §3): a ring of lines that never holds more
 * than its bound (oldest lines are dropped), and a splitter that turns
 * chunks into lines with a bounded partial line. Pure, no I/O.
 *
 * Sizes are counted in UTF-16 code units plus one per line, which equals
 * bytes for ASCII output.
 *
 * @module
 */

/**
 * A ring of lines bounded by `maxBytes`. Allocates nothing until the first
 * line arrives.
 *
 * @example
 * ```ts
 * const ring = new LineRing(10);
 * ring.push("hello"); ring.push("world"); // 6 + 6 > 10: "hello" dropped
 * ring.tail(5); // ["world"]
 * ```
 */
export class LineRing {
  #lines: string[] = [];
  #head = 0;
  #size = 0;
  #total = 0;
  #dropped = 0;
  readonly #max: number;

  constructor(maxBytes: number) {
    this.#max = Math.max(1, Math.floor(maxBytes));
  }

  /** Adds one line (without its newline); drops the oldest lines past the bound. */
  push(line: string): void {
    const text = line.length + 1 > this.#max ? line.slice(0, this.#max - 1) : line;
    this.#lines.push(text);
    this.#size += text.length + 1;
    this.#total++;
    while (this.#size > this.#max) {
      this.#size -= this.#lines[this.#head].length + 1;
      this.#head++;
      this.#dropped++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Lines pushed since creation (a mark for {@link since}). */
  get total(): number {
    return this.#total;
  }

  /** Lines kept. */
  get length(): number {
    return this.#lines.length - this.#head;
  }

  /** True when older lines were dropped. */
  get truncated(): boolean {
    return this.#dropped > 0;
  }

  /** The newest `n` lines, oldest first. */
  tail(n: number): string[] {
    const count = Math.max(0, Math.min(Math.floor(n), this.length));
    return this.#lines.slice(this.#lines.length - count);
  }

  /** Kept lines pushed at or after `mark` (a former {@link total}), oldest first. */
  since(mark: number): string[] {
    return this.tail(this.#total - mark);
  }

  /** True when some lines pushed at or after `mark` were dropped. */
  droppedSince(mark: number): boolean {
    return this.#total - mark > this.length;
  }
}

/**
 * Splits decoded text chunks into lines (`\n`, with a trailing `\r`
 * removed). A partial line longer than `maxLine` is emitted as a line of its
 * own, so a writer that never sends a newline cannot grow memory.
 */
export class LineSplitter {
  #partial = "";
  readonly #maxLine: number;
  readonly #emit: (line: string) => void;

  constructor(maxLine: number, emit: (line: string) => void) {
    this.#maxLine = Math.max(1, maxLine);
    this.#emit = emit;
  }

  /** Feeds a chunk of text. */
  write(text: string): void {
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      const piece = this.#partial + text.slice(start, nl);
      this.#partial = "";
      this.#emit(piece.endsWith("\r") ? piece.slice(0, -1) : piece);
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    if (start < text.length) this.#partial += text.slice(start);
    while (this.#partial.length > this.#maxLine) {
      this.#emit(this.#partial.slice(0, this.#maxLine));
      this.#partial = this.#partial.slice(this.#maxLine);
    }
  }

  /** Emits what is left as a last line. */
  end(): void {
    if (this.#partial !== "") this.#emit(this.#partial);
    this.#partial = "";
  }
}
