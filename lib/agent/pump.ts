/**
 * Reads an agent's pipe to its end as raw chunks, at the orchestrator's pace
 * (docs/operations.md, "Output capture and log files"). Thin I/O.
 *
 * @module
 */

import type { Pacer } from "./pacer.ts";

/** Smallest and largest read buffer of {@link pump}. */
const MIN_READ = 512;
const MAX_READ = 64 * 1024;

/** Work of one read itself (the op and its promise), charged to the pacer with each chunk. */
const READ_COST_MS = 0.02;

/** Longest stretch of handling one chunk before {@link pump} lets other work run (ms). */
const SLICE_MS = 4;

/**
 * Handles `chunk` from `offset` and returns the offset reached: the chunk's
 * length once it is done, less to be called again (after other work had its
 * turn) with the rest. The chunk is valid only during the call: keep a copy.
 */
export type ChunkSink = (chunk: Uint8Array, offset: number) => number;

/** Options of {@link pump}. */
export interface PumpOptions {
  /** Charged with the time spent on each chunk; while its budget is spent, reading waits. */
  pacer?: Pacer | null;
  /**
   * After a read that did not fill the smallest buffer (512 bytes: the
   * writer writes little), the next read waits until this many ms after it,
   * so a stream writing little and often is read in fewer, larger chunks
   * (default 0: read again at once).
   */
  coalesceMs?: number;
  /** Once it settles (the writer has exited), reads no longer wait to coalesce. */
  flushOn?: Promise<unknown>;
}

/**
 * Reads a stream to its end, handing each chunk of raw bytes to `sink`.
 * Reads into its own buffer (BYOB), reused from read to read, which starts
 * small — an idle agent costs 512 bytes per stream — and doubles while reads
 * fill it, up to 64 KiB. A flooding writer is slowed by its pipe rather than
 * the orchestrator by the writer: see {@link PumpOptions}. Never throws.
 */
export async function pump(
  stream: ReadableStream<Uint8Array>,
  sink: ChunkSink,
  options: PumpOptions = {},
): Promise<void> {
  const pacer = options.pacer ?? null;
  const coalesce = new Coalescer(options.coalesceMs ?? 0, options.flushOn);
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    return pumpDefault(stream, sink, pacer);
  }
  let size = MIN_READ;
  let buffer = new ArrayBuffer(size);
  try {
    while (true) {
      const { value, done } = await reader.read(new Uint8Array(buffer, 0, size));
      if (done || value === undefined) break;
      const readAt = performance.now();
      buffer = value.buffer as ArrayBuffer;
      await handle(value, sink, pacer);
      // A read that leaves the smallest buffer unfilled: the writer writes little.
      const little = size === MIN_READ && value.length < size;
      if (value.length === size && size < MAX_READ) {
        size *= 2;
        buffer = new ArrayBuffer(size);
      } else if (value.length < size / 4 && size > MIN_READ) {
        size /= 2;
        buffer = new ArrayBuffer(size);
      }
      if (little) await coalesce.wait(readAt);
    }
  } catch {
    // The stream was cancelled or the pipe broke: what was read is kept.
  } finally {
    reader.releaseLock();
    coalesce.end();
  }
}

async function pumpDefault(
  stream: ReadableStream<Uint8Array>,
  sink: ChunkSink,
  pacer: Pacer | null,
): Promise<void> {
  try {
    for await (const chunk of stream) await handle(chunk, sink, pacer);
  } catch {
    // The stream was cancelled or the pipe broke: what was read is kept.
  }
}

/** Hands one chunk to `sink` until it is done, yielding between long slices and pacing. */
async function handle(chunk: Uint8Array, sink: ChunkSink, pacer: Pacer | null): Promise<void> {
  let offset = 0;
  let cost = READ_COST_MS;
  let sliceStart = performance.now();
  while (true) {
    const t = performance.now();
    const next = sink(chunk, offset);
    offset = next > offset ? next : chunk.length;
    const now = performance.now();
    pacer?.spend(now - t + cost);
    cost = 0;
    const wait = pacer?.waitMs() ?? 0;
    if (wait > 0) {
      await sleep(wait);
      sliceStart = performance.now();
    } else if (offset < chunk.length && now - sliceStart > SLICE_MS) {
      await sleep(0);
      sliceStart = performance.now();
    }
    if (offset >= chunk.length) return;
  }
}

/** The waits between reads of one stream; all of them end at once when `flushOn` settles. */
class Coalescer {
  readonly #ms: number;
  #flushing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | null = null;

  constructor(ms: number, flushOn: Promise<unknown> | undefined) {
    this.#ms = ms;
    // One reaction for the stream's whole life, not one per wait.
    flushOn?.then(() => this.end(), () => this.end());
  }

  /** Waits until `coalesceMs` after `since`, unless flushing. */
  wait(since: number): Promise<void> {
    const ms = since + this.#ms - performance.now();
    if (this.#flushing || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => this.#release(), ms);
    });
  }

  /** No more waiting (the writer exited, or the stream ended). */
  end(): void {
    this.#flushing = true;
    this.#release();
  }

  #release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
