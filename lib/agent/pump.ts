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

/**
 * Longest stretch of work {@link pump} does before it lets other work (the
 * control socket) run (ms). A read of a full pipe completes at once, so a
 * flood would otherwise be read in one long turn of the event loop.
 */
const SLICE_MS = 2;

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
  const turn = new Turn(options.pacer ?? null);
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    return pumpDefault(stream, sink, turn);
  }
  const coalesce = new Coalescer(options.coalesceMs ?? 0, options.flushOn);
  let size = MIN_READ;
  let buffer = new ArrayBuffer(size);
  let emptied = true;
  try {
    while (true) {
      const { value, done } = await reader.read(new Uint8Array(buffer, 0, size));
      if (done || value === undefined) break;
      const readAt = performance.now();
      // The last read emptied the pipe, so this one waited for data while the event loop
      // turned: a new turn of work starts now (not when the wait began).
      if (emptied) turn.reset();
      buffer = value.buffer as ArrayBuffer;
      await handle(value, sink, turn);
      emptied = value.length < size;
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
  turn: Turn,
): Promise<void> {
  try {
    for await (const chunk of stream) await handle(chunk, sink, turn);
  } catch {
    // The stream was cancelled or the pipe broke: what was read is kept.
  }
}

/** Hands one chunk to `sink` until it is done, pausing between slices as `turn` says. */
async function handle(chunk: Uint8Array, sink: ChunkSink, turn: Turn): Promise<void> {
  let offset = 0;
  let cost = READ_COST_MS;
  while (offset < chunk.length) {
    const t = performance.now();
    const next = sink(chunk, offset);
    offset = next > offset ? next : chunk.length;
    turn.spend(performance.now() - t + cost);
    cost = 0;
    const pause = turn.pause();
    if (pause !== null) await pause;
  }
}

/** The pacing of one pump: the shared budget, and the length of its own turn of work. */
class Turn {
  readonly #pacer: Pacer | null;
  #since = performance.now();

  constructor(pacer: Pacer | null) {
    this.#pacer = pacer;
  }

  /** Charges `ms` of work to the shared budget. */
  spend(ms: number): void {
    this.#pacer?.spend(ms);
  }

  /** The event loop turned (the pump waited for data): a new turn of work starts. */
  reset(): void {
    this.#since = performance.now();
  }

  /**
   * A wait until the next window when the budget is spent, a yield to the
   * event loop when this turn has lasted SLICE_MS, else `null` (go on).
   */
  pause(): Promise<void> | null {
    const wait = this.#pacer?.waitMs() ?? 0;
    if (wait <= 0 && performance.now() - this.#since <= SLICE_MS) return null;
    return sleep(Math.max(0, wait)).then(() => this.reset());
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
