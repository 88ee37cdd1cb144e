/**
 * The control protocol's framing (docs/protocol.md, "Framing"): a 4-byte
 * unsigned big-endian length N, then N bytes of UTF-8 JSON. `FrameReader`
 * turns a byte stream into frames with exactly three outcomes — a frame, a
 * clean EOF at a frame boundary, a protocol error — and copes with partial
 * reads and with many frames arriving in one read. `encodeFrame` writes the
 * other direction. Buffers are freed as soon as they are done with
 * (`freeBytes`), not left to the garbage collector.
 *
 * This module imports only the protocol's vocabulary (`lib/protocol/`), so
 * the CLI client stays fast to load.
 *
 * @module
 */

import { DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES } from "../protocol/limits.ts";

/** What `FrameReader.read` returns. */
export type FrameOutcome =
  /** A whole frame. `payload` is valid until the next `read()`; copy it to keep it. */
  | { kind: "frame"; payload: Uint8Array }
  /** The peer closed the stream at a frame boundary. */
  | { kind: "eof" }
  /**
   * The stream must be closed: a framing violation (400, 413; it cannot be
   * resynchronised), or no memory left for the frame under way (503).
   */
  | { kind: "error"; code: 400 | 413 | 503; message: string };

/** Anything with a `read` like `Deno.Conn`. */
export interface ByteSource {
  read(p: Uint8Array): Promise<number | null>;
}

/**
 * Memory shared by many readers and writers (the control server's
 * `command_max_buffered_bytes`): a reader asks before it grows its buffer
 * and gives the bytes back when it shrinks or is released.
 */
export interface ByteBudget {
  /** Takes `bytes` when they fit under the limit; false (taking nothing) otherwise. */
  tryTake(bytes: number): boolean;
  /** Takes `bytes` whatever the limit (memory already in use). */
  take(bytes: number): void;
  /** Gives `bytes` back. */
  release(bytes: number): void;
}

/** Frees an array's memory now rather than at the next garbage collection. */
export function freeBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer)) return; // shared: the collector frees it
  try {
    buffer.transfer(0); // detaching drops the backing store at once
  } catch {
    // not detachable: the collector frees it
  }
}

/**
 * Checks a frame length against the limit. Returns `null` when it is valid,
 * else the protocol error for it (400 for zero, 413 for too large).
 */
export function checkFrameLength(
  length: number,
  maxFrameBytes: number,
): { code: 400 | 413; message: string } | null {
  if (length === 0) return { code: 400, message: "Invalid frame: length is 0" };
  if (length > maxFrameBytes) {
    return {
      code: 413,
      message: `Frame too large: ${length} bytes (limit ${maxFrameBytes})`,
    };
  }
  return null;
}

/**
 * Reads length-prefixed frames from a byte source. One internal buffer is
 * reused, grown for a large frame (bounded by `maxFrameBytes`, and by the
 * `budget` when one is given: a growth it refuses is a 503 outcome) and
 * shrunk back to its initial size as soon as the frame under way fits in it,
 * so an idle reader never keeps a large buffer.
 *
 * @example
 * ```ts
 * const reader = new FrameReader(conn, { maxFrameBytes: 1 << 20 });
 * for (;;) {
 *   const out = await reader.read();
 *   if (out.kind !== "frame") break;
 *   handle(JSON.parse(new TextDecoder().decode(out.payload)));
 * }
 * ```
 */
export class FrameReader {
  #source: ByteSource;
  #max: number;
  #initial: number;
  #budget: ByteBudget | null;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  #released = false;

  constructor(
    source: ByteSource,
    options: { maxFrameBytes?: number; initialBufferBytes?: number; budget?: ByteBudget } = {},
  ) {
    this.#source = source;
    this.#max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#initial = Math.min(options.initialBufferBytes ?? 16 * 1024, this.#max + HEADER_BYTES);
    this.#budget = options.budget ?? null;
    this.#buf = new Uint8Array(this.#initial);
    this.#budget?.take(this.#initial);
  }

  /** Bytes of the internal buffer (what the reader holds in memory). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Bytes received but not yet returned as a frame (a partial frame, or whole frames queued). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** True when the next `read()` will return without reading from the source (a whole frame, or a bad header, is buffered). */
  get frameReady(): boolean {
    const available = this.#end - this.#start;
    if (available < HEADER_BYTES) return false;
    const b = this.#buf;
    const s = this.#start;
    const length = ((b[s] << 24) >>> 0) + (b[s + 1] << 16) + (b[s + 2] << 8) + b[s + 3];
    return checkFrameLength(length, this.#max) !== null || available >= HEADER_BYTES + length;
  }

  /** Returns the next frame, a clean EOF, or a protocol error. */
  async read(): Promise<FrameOutcome> {
    for (;;) {
      if (this.#released) return { kind: "eof" };
      const available = this.#end - this.#start;
      let needed = HEADER_BYTES;
      if (available >= HEADER_BYTES) {
        const b = this.#buf;
        const s = this.#start;
        const length = ((b[s] << 24) >>> 0) + (b[s + 1] << 16) + (b[s + 2] << 8) + b[s + 3];
        const problem = checkFrameLength(length, this.#max);
        if (problem !== null) return { kind: "error", ...problem };
        if (available >= HEADER_BYTES + length) {
          const from = s + HEADER_BYTES;
          this.#start = from + length;
          if (this.#start === this.#end) this.#start = this.#end = 0;
          return { kind: "frame", payload: b.subarray(from, from + length) };
        }
        needed += length;
      }
      if (!this.#makeRoom(needed)) {
        return {
          kind: "error",
          code: 503,
          message: `Server busy: no buffer space left for a frame of ${needed} bytes`,
        };
      }
      const n = await this.#source.read(
        this.#end === 0 ? this.#buf : this.#buf.subarray(this.#end),
      );
      if (this.#released) return { kind: "eof" };
      if (n === null || n === 0) {
        if (n === 0) continue;
        if (this.#end === this.#start) return { kind: "eof" };
        return {
          kind: "error",
          code: 400,
          message: `Connection closed mid-frame (${this.#end - this.#start} bytes pending)`,
        };
      }
      this.#end += n;
    }
  }

  /**
   * Gives the buffer back (its memory is freed now, and returned to the
   * budget). The reader is done: `read()` returns end of stream from then
   * on, also a read that was pending. Idempotent.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget?.release(this.#buf.length);
    freeBytes(this.#buf);
    this.#buf = new Uint8Array(0);
    this.#start = this.#end = 0;
  }

  /**
   * Ensures the buffer can hold `needed` bytes from `#start`, with free
   * space after `#end`: shrinks a grown buffer back to its initial size when
   * that is enough, grows it when not. False when the budget refuses the
   * growth (nothing changed).
   */
  #makeRoom(needed: number): boolean {
    const available = this.#end - this.#start;
    if (this.#buf.length > this.#initial && needed <= this.#initial) {
      this.#budget?.release(this.#buf.length - this.#initial);
      this.#resize(this.#initial);
      return true;
    }
    if (
      this.#start > 0 && (this.#buf.length - this.#start < needed || this.#end === this.#buf.length)
    ) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = available;
    }
    if (this.#buf.length - this.#start < needed) {
      let size = Math.max(this.#buf.length, 1) * 2;
      while (size < needed) size *= 2;
      size = Math.min(size, this.#max + HEADER_BYTES);
      if (this.#budget !== null && !this.#budget.tryTake(size - this.#buf.length)) return false;
      this.#resize(size);
    }
    return true;
  }

  /** Moves the unread bytes into a new buffer of `size` bytes and frees the old one. */
  #resize(size: number): void {
    const available = this.#end - this.#start;
    const old = this.#buf;
    const next = new Uint8Array(size);
    next.set(old.subarray(this.#start, this.#end));
    this.#buf = next;
    this.#start = 0;
    this.#end = available;
    freeBytes(old);
  }
}

const encoder = new TextEncoder();

/**
 * Encodes a JSON-serialisable value (or a string of JSON) as one frame:
 * header plus UTF-8 payload, in one new array.
 *
 * @example
 * ```ts
 * await conn.write(encodeFrame({ command: "ps" }));
 * ```
 */
export function encodeFrame(value: unknown): Uint8Array {
  const json = typeof value === "string" ? value : JSON.stringify(value);
  return encodeJsonFrame(json);
}

/**
 * Texts longer than this (in UTF-16 units) are encoded to their exact size
 * rather than into room for the worst case, and buffers past this size grow
 * by a quarter rather than double: large answers cost their size, not three
 * or four times it.
 */
const EXACT_ENCODE_CHARS = 64 * 1024;

/** Scratch space of `encodeJsonFrame` for short texts (allocated on first use). */
let scratch: Uint8Array | null = null;
const SCRATCH_BYTES = 16 * 1024;

/** Encodes an already serialised JSON text as one frame. */
export function encodeJsonFrame(json: string): Uint8Array {
  if (json.length * 3 <= SCRATCH_BYTES - HEADER_BYTES) {
    // Encode into scratch space and copy out exactly the bytes used: cheaper
    // than allocating the worst case (3 bytes per character) per frame.
    scratch ??= new Uint8Array(SCRATCH_BYTES);
    const { written } = encoder.encodeInto(json, scratch.subarray(HEADER_BYTES));
    writeHeader(scratch, 0, written);
    return scratch.slice(0, HEADER_BYTES + written);
  }
  const payload = encoder.encode(json);
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(out, 0, payload.length);
  out.set(payload, HEADER_BYTES);
  freeBytes(payload);
  return out;
}

/**
 * Frames JSON texts one after another into one reusable, growable buffer:
 * answers queued together go out in one write, without allocating a frame
 * per answer or copying frames into a batch.
 *
 * @example
 * ```ts
 * const out = new FrameBuffer();
 * out.appendJson('{"status":"success","data":{}}');
 * await writeAll(conn, out.bytes());
 * out.clear();
 * ```
 */
export class FrameBuffer {
  #buf: Uint8Array;
  #length = 0;
  #initial: number;

  constructor(initialBytes = 8 * 1024) {
    this.#initial = Math.max(HEADER_BYTES, initialBytes);
    this.#buf = new Uint8Array(this.#initial);
  }

  /** Bytes framed and not yet cleared. */
  get length(): number {
    return this.#length;
  }

  /** Appends one frame holding the UTF-8 of `json`; returns the frame's size in bytes. */
  appendJson(json: string): number {
    const needed = this.#length + HEADER_BYTES + json.length * 3;
    if (needed > this.#buf.length) {
      if (json.length > EXACT_ENCODE_CHARS) {
        // Room for the worst case (3 bytes a character) would triple a large answer's memory.
        const payload = encoder.encode(json);
        const size = HEADER_BYTES + payload.length;
        this.#ensure(this.#length + size);
        writeHeader(this.#buf, this.#length, payload.length);
        this.#buf.set(payload, this.#length + HEADER_BYTES);
        this.#length += size;
        freeBytes(payload);
        return size;
      }
      this.#grow(needed);
    }
    const { written } = encoder.encodeInto(
      json,
      this.#buf.subarray(this.#length + HEADER_BYTES),
    );
    writeHeader(this.#buf, this.#length, written);
    this.#length += HEADER_BYTES + written;
    return HEADER_BYTES + written;
  }

  /** Appends a whole frame (header included); returns its size in bytes. */
  appendFrame(frame: Uint8Array): number {
    const needed = this.#length + frame.length;
    if (needed > this.#buf.length) this.#grow(needed);
    this.#buf.set(frame, this.#length);
    this.#length += frame.length;
    return frame.length;
  }

  /** The framed bytes: a view valid until the next append or `clear`. */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }

  /** Bytes of the internal buffer (what it holds in memory). */
  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * Empties the buffer; one grown beyond `keepBytes` (default 64 KiB) is
   * freed and replaced by one of the initial size, so a large answer never
   * leaves a large buffer behind.
   */
  clear(keepBytes = 64 * 1024): void {
    this.#length = 0;
    if (this.#buf.length > keepBytes) {
      freeBytes(this.#buf);
      this.#buf = new Uint8Array(this.#initial);
    }
  }

  /** Frees the buffer now (the writer is done with it); a later append starts a new one. */
  release(): void {
    freeBytes(this.#buf);
    this.#buf = new Uint8Array(0);
    this.#length = 0;
  }

  #ensure(needed: number): void {
    if (needed > this.#buf.length) this.#grow(needed);
  }

  /** Grows to hold `needed` bytes: doubling while small, then by a quarter, at least `needed`. */
  #grow(needed: number): void {
    const length = this.#buf.length;
    const next = length < EXACT_ENCODE_CHARS ? length * 2 : length + (length >> 2);
    const size = Math.max(next, needed, this.#initial);
    const grown = new Uint8Array(size);
    grown.set(this.#buf.subarray(0, this.#length));
    freeBytes(this.#buf);
    this.#buf = grown;
  }
}

/** Frames raw payload bytes (used by tests and for bad UTF-8 on purpose). */
export function encodeRawFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(out, 0, payload.length);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Writes a big-endian 32-bit length at `offset`. */
export function writeHeader(out: Uint8Array, offset: number, length: number): void {
  out[offset] = (length >>> 24) & 0xff;
  out[offset + 1] = (length >>> 16) & 0xff;
  out[offset + 2] = (length >>> 8) & 0xff;
  out[offset + 3] = length & 0xff;
}

/** Writes all of `data` (a `write` may take fewer bytes than given). */
export async function writeAll(
  sink: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  if (data.length === 0) return;
  let offset = await sink.write(data);
  while (offset < data.length) offset += await sink.write(data.subarray(offset));
}
