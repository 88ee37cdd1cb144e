/**
 * Line-by-line reading of a child's stdout.
 *
 * @module
 */

/** Splits text chunks into lines (pure; keeps the unfinished tail). */
export class LineSplitter {
  #tail = "";

  /** Lines completed by `chunk` (without their "\n"). */
  push(chunk: string): string[] {
    const parts = (this.#tail + chunk).split("\n");
    this.#tail = parts.pop() ?? "";
    return parts;
  }
}

/** Reads lines from a byte stream; `next()` returns `null` at EOF. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #split = new LineSplitter();
  #queue: string[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line, or `null` at EOF. */
  async next(): Promise<string | null> {
    while (this.#queue.length === 0) {
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#queue.push(...this.#split.push(value));
    }
    return this.#queue.shift()!;
  }

  /** Stops reading. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
