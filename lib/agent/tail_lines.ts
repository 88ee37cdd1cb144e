/**
 * The newest lines of captured bytes, for `logs` (docs/protocol.md). Pure.
 *
 * @module
 */

/** Ends a line that was longer than the line bound and shown cut. */
export const CUT_MARKER = "…[cut]";

const NEWLINE = 0x0a;
const CR = 0x0d;
const decoder = new TextDecoder();

/** Options of {@link tailLines}. */
export interface TailOptions {
  /** Most lines returned (the newest). */
  count: number;
  /** Longer lines are cut to their first `lineMax` bytes and end with {@link CUT_MARKER}. */
  lineMax: number;
  /**
   * True when `bytes` start at the start of a line. When false (older bytes
   * were dropped mid-line) the first piece is left out, unless it is all
   * there is.
   */
  startsLine: boolean;
}

/**
 * The newest `count` lines of `bytes`, oldest first: split at `\n`, a `\r`
 * before it removed, an unfinished last line included, bytes that are not
 * UTF-8 shown as U+FFFD.
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode("one\r\ntwo\nthree");
 * tailLines(bytes, { count: 2, lineMax: 1024, startsLine: true }); // ["two", "three"]
 * ```
 */
export function tailLines(bytes: Uint8Array, options: TailOptions): string[] {
  const lines: string[] = [];
  const count = Math.max(0, Math.floor(options.count));
  if (bytes.length === 0 || count === 0) return lines;
  let end = bytes[bytes.length - 1] === NEWLINE ? bytes.length - 1 : bytes.length;
  while (lines.length < count) {
    const nl = end > 0 ? bytes.lastIndexOf(NEWLINE, end - 1) : -1;
    if (nl < 0 && !options.startsLine && lines.length > 0) break;
    lines.push(lineText(bytes, nl + 1, end, options.lineMax));
    if (nl < 0) break;
    end = nl;
  }
  return lines.reverse();
}

/** The text of the line [start, end), cut at `lineMax` bytes (on a character boundary). */
function lineText(bytes: Uint8Array, start: number, end: number, lineMax: number): string {
  const stop = end > start && bytes[end - 1] === CR ? end - 1 : end;
  const max = Math.max(1, Math.floor(lineMax));
  if (stop - start <= max) return decoder.decode(bytes.subarray(start, stop));
  let cut = start + max;
  // Leave out a character the bound splits (its continuation bytes are 10xxxxxx).
  for (let back = 0; back < 3 && cut > start && (bytes[cut] & 0xc0) === 0x80; back++) cut--;
  return decoder.decode(bytes.subarray(start, cut)) + CUT_MARKER;
}
