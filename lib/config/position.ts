/**
 * Offsets → 1-based line and column, for every diagnostic. Built once per
 * document; each lookup is a binary search over line starts.
 *
 * @module
 */

/** A 1-based position in a document. */
export interface Position {
  line: number;
  column: number;
}

/** Maps character offsets of one text to 1-based line:column. */
export class LineIndex {
  #starts: number[];

  constructor(text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
    this.#starts = starts;
  }

  /** The 1-based line and column of `offset` (clamped to the text). */
  position(offset: number): Position {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: Math.max(0, offset - starts[lo]) + 1 };
  }
}
