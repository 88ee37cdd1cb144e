/**
 * A bounded ring of bytes: the newest bytes of one output stream
 * (docs/operations.md, "Output capture and log files"). Pure, no I/O.
 *
 * @module
 */

/** Size of the first buffer; it doubles as bytes arrive, up to the capacity. */
const FIRST_BUFFER = 1024;

/**
 * Keeps the last `capacity` bytes written to it, and counts every byte ever
 * written ({@link total}) so a reader can ask for "what was written since
 * this mark". Allocates nothing until the first byte arrives, then a buffer
 * that grows to `capacity` and never past it.
 *
 * @example
 * ```ts
 * const ring = new ByteRing(4);
 * ring.write(new TextEncoder().encode("abcdef"));
 * ring.bytes(); // "cdef" as bytes; ring.dropped === 2
 * ```
 */
export class ByteRing {
  #buf = new Uint8Array(0);
  /** Index in #buf of the oldest kept byte. */
  #start = 0;
  #length = 0;
  #total = 0;
  /** The byte just before the oldest kept one, or -1 when nothing was dropped. */
  #before = -1;
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** Most bytes kept. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes written since creation (a mark for {@link since}). */
  get total(): number {
    return this.#total;
  }

  /** Bytes kept. */
  get length(): number {
    return this.#length;
  }

  /** Bytes written but no longer kept. */
  get dropped(): number {
    return this.#total - this.#length;
  }

  /** The byte just before the oldest kept byte, or -1 when nothing was dropped. */
  get byteBefore(): number {
    return this.#before;
  }

  /** Appends a copy of `chunk`, dropping the oldest bytes past the capacity. */
  write(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    const cap = this.#capacity;
    if (n >= cap) {
      this.#before = n > cap
        ? chunk[n - cap - 1]
        : this.#length > 0
        ? this.#at(this.#length - 1)
        : this.#before;
      this.#ensure(cap);
      this.#buf.set(chunk.subarray(n - cap));
      this.#start = 0;
      this.#length = cap;
      this.#total += n;
      return;
    }
    const over = this.#length + n - cap;
    if (over > 0) {
      this.#before = this.#at(over - 1);
      this.#start = (this.#start + over) % this.#buf.length;
      this.#length -= over;
    }
    this.#ensure(this.#length + n);
    const size = this.#buf.length;
    const end = (this.#start + this.#length) % size;
    const first = Math.min(n, size - end);
    this.#buf.set(chunk.subarray(0, first), end);
    if (first < n) this.#buf.set(chunk.subarray(first), 0);
    this.#length += n;
    this.#total += n;
  }

  /** A copy of the kept bytes, oldest first. */
  bytes(): Uint8Array {
    return this.#copy(0, this.#length);
  }

  /**
   * A copy of the kept bytes written at or after `mark` (a former
   * {@link total}), and how many bytes written since `mark` are no longer kept.
   */
  since(mark: number): { bytes: Uint8Array; dropped: number } {
    const from = Math.max(0, Math.floor(mark));
    const oldest = this.#total - this.#length;
    const skip = Math.max(0, from - oldest);
    return {
      bytes: this.#copy(Math.min(skip, this.#length), this.#length),
      dropped: Math.max(0, oldest - from),
    };
  }

  /** Kept byte `i` (0 = oldest). */
  #at(i: number): number {
    return this.#buf[(this.#start + i) % this.#buf.length];
  }

  /** Copies kept bytes [from, to) into a new array. */
  #copy(from: number, to: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, to - from));
    if (out.length === 0) return out;
    const size = this.#buf.length;
    const a = (this.#start + from) % size;
    const first = Math.min(out.length, size - a);
    out.set(this.#buf.subarray(a, a + first));
    if (first < out.length) out.set(this.#buf.subarray(0, out.length - first), first);
    return out;
  }

  /** Grows the buffer (doubling, at most to the capacity) to hold `need` bytes, oldest first. */
  #ensure(need: number): void {
    if (need <= this.#buf.length) return;
    let size = Math.max(this.#buf.length, FIRST_BUFFER);
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.#capacity));
    next.set(this.#copy(0, this.#length));
    this.#buf = next;
    this.#start = 0;
  }
}
