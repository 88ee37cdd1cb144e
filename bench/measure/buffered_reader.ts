/**
 * A small buffered reader over a `Deno.Reader`-like connection: exact-length
 * reads and reads up to a delimiter, with a bound on what it buffers.
 *
 * @module
 */

/** Anything with `read(buffer)` → bytes read or `null` at EOF (a `Deno.Conn`). */
export interface ByteSource {
  read(p: Uint8Array): Promise<number | null>;
}

/** Buffered reads from a connection; `null` = clean EOF before any byte of the item. */
export class BufferedReader {
  #source: ByteSource;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  #maxBytes: number;

  /** `maxBytes` bounds one item (frame or header block). */
  constructor(source: ByteSource, options: { maxBytes?: number } = {}) {
    this.#source = source;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  async #fill(): Promise<boolean> {
    if (this.#end === this.#buf.length) {
      const used = this.#end - this.#start;
      const size = used * 2 > this.#buf.length ? this.#buf.length * 2 : this.#buf.length;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
      this.#start = 0;
      this.#end = used;
    }
    const n = await this.#source.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** Exactly `n` bytes; `null` at EOF before the first byte; throws on EOF mid-item. */
  async readExact(n: number): Promise<Uint8Array | null> {
    if (n > this.#maxBytes) throw new RangeError(`Cannot read ${n} bytes: over the limit`);
    while (this.#end - this.#start < n) {
      const had = this.#end - this.#start;
      if (!(await this.#fill())) {
        if (had === 0) return null;
        throw new Error(`Connection closed after ${had} of ${n} bytes`);
      }
    }
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /** Bytes up to and including `delimiter`; `null` at EOF before the first byte. */
  async readUntil(delimiter: Uint8Array): Promise<Uint8Array | null> {
    let from = this.#start;
    for (;;) {
      const at = indexOf(this.#buf.subarray(0, this.#end), delimiter, from);
      if (at >= 0) {
        const out = this.#buf.slice(this.#start, at + delimiter.length);
        this.#start = at + delimiter.length;
        return out;
      }
      if (this.#end - this.#start > this.#maxBytes) {
        throw new RangeError("Cannot find the delimiter: over the limit");
      }
      from = Math.max(this.#start, this.#end - delimiter.length + 1);
      const shift = this.#start;
      if (!(await this.#fill())) {
        if (this.#end === this.#start) return null;
        throw new Error("Connection closed before the delimiter");
      }
      from -= shift - this.#start;
    }
  }
}

/** Index of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = Math.max(0, from); i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}
