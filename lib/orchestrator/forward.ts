/**
 * Agent output on the orchestrator's own stdout (`forward_output`,
 * docs/operations.md "Forwarding output"): each line an agent prints
 * becomes `name | line` (stdout) or `name ! line` (stderr), so journald and
 * `docker logs` carry it. Lines come from the capture's line scanner (cut at
 * `output_line_max_bytes`, paced with the rest of the output handling).
 *
 * Writing never holds the event loop: lines wait in a bounded queue (count
 * and characters) and are written in batches by asynchronous writes. When
 * stdout is a pipe that is read too slowly (or not at all), the queue fills
 * and newer lines are dropped and counted; once writing catches up, one
 * `[orchestrator] dropped N lines …` line marks the gap.
 *
 * @module
 */

import type { OutputStream } from "../agent/output_observer.ts";

/** Where forwarded lines go: `Deno.stdout`, or any writer. */
export interface ForwardWriter {
  write(p: Uint8Array): Promise<number>;
}

/** Lines queued at most before newer ones are dropped. */
export const MAX_QUEUED_LINES = 10_000;

/** Characters queued at most (about 1–3 MiB of UTF-8) before newer lines are dropped. */
export const MAX_QUEUED_CHARS = 1024 * 1024;

/**
 * Lines wait this long (ms) before a write, so one write carries the lines
 * of many agents: with 100 agents printing 10 lines/s that is about 20
 * writes a second instead of 1,000.
 */
export const FLUSH_DELAY_MS = 50;

/** Bytes written at most per write. */
const BATCH_BYTES = 64 * 1024;

/**
 * The forwarded form of one line: `web | listening` for stdout,
 * `web ! warning: disk full` for stderr. The line is as the agent wrote it
 * (decoded as UTF-8, a trailing `\r` removed), without its newline.
 *
 * @example
 * ```ts
 * forwardedLine("web", "stderr", "oops"); // "web ! oops"
 * ```
 */
export function forwardedLine(agent: string, stream: OutputStream, line: string): string {
  return `${agent} ${stream === "stdout" ? "|" : "!"} ${line}`;
}

/** The line that marks a gap of `dropped` lines in the forwarded output. */
export function droppedNotice(dropped: number): string {
  return `[orchestrator] dropped ${dropped} line${
    dropped === 1 ? "" : "s"
  }: stdout was not keeping up`;
}

/** Counters of a {@link OutputForwarder}. */
export interface ForwardCounters {
  /** Lines written. */
  forwarded_lines: number;
  /** Lines dropped because the queue was full or stdout failed. */
  forward_dropped_lines: number;
}

/** Options of {@link OutputForwarder}. */
export interface ForwarderOptions {
  /** Default {@link MAX_QUEUED_LINES}. */
  maxLines?: number;
  /** Default {@link MAX_QUEUED_CHARS}. */
  maxChars?: number;
  /** Default {@link FLUSH_DELAY_MS}. */
  flushDelayMs?: number;
  /** Told once per episode of dropped lines (when the first line of it is dropped). */
  onDropping?: () => void;
  /** Told once when a write fails (e.g. stdout closed); nothing is written after that. */
  onError?: (error: unknown) => void;
}

/** The bounded queue and the write loop of forwarded lines. */
export class OutputForwarder {
  readonly #writer: ForwardWriter;
  readonly #maxLines: number;
  readonly #maxChars: number;
  readonly #delayMs: number;
  readonly #onDropping: () => void;
  readonly #onError: (error: unknown) => void;
  readonly #encoder = new TextEncoder();
  /** Lines to write; `agent` false for a notice of dropped lines. */
  #queue: { text: string; agent: boolean }[] = [];
  #chars = 0;
  /** Lines dropped since the last notice was queued. */
  #gap = 0;
  #forwarded = 0;
  #dropped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> | null = null;
  #failed = false;
  #closed = false;

  constructor(writer: ForwardWriter, options: ForwarderOptions = {}) {
    this.#writer = writer;
    this.#maxLines = options.maxLines ?? MAX_QUEUED_LINES;
    this.#maxChars = options.maxChars ?? MAX_QUEUED_CHARS;
    this.#delayMs = options.flushDelayMs ?? FLUSH_DELAY_MS;
    this.#onDropping = options.onDropping ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  /** Lines forwarded and dropped so far. */
  get counters(): ForwardCounters {
    return { forwarded_lines: this.#forwarded, forward_dropped_lines: this.#dropped };
  }

  /** Queues one agent line; drops it (and counts it) when the queue is full. */
  line(agent: string, stream: OutputStream, line: string): void {
    if (this.#closed) return;
    const text = forwardedLine(agent, stream, line);
    if (
      this.#failed || this.#queue.length >= this.#maxLines ||
      this.#chars + text.length > this.#maxChars
    ) {
      if (this.#gap === 0 && !this.#failed) this.#onDropping();
      this.#gap++;
      this.#dropped++;
      return;
    }
    if (this.#gap > 0) this.#push(droppedNotice(this.#gap), false);
    this.#gap = 0;
    this.#push(text, true);
    this.#schedule();
  }

  /**
   * Writes what is queued, then stops taking lines. Resolves once the queue
   * is written, or after `timeoutMs` (stdout may never drain).
   */
  async close(timeoutMs: number): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#gap > 0 && !this.#failed) this.#push(droppedNotice(this.#gap), false);
    this.#gap = 0;
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const flushed = (this.#writing ?? Promise.resolve()).then(() => this.#drain());
    try {
      await Promise.race([flushed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #push(text: string, agent: boolean): void {
    this.#queue.push({ text, agent });
    this.#chars += text.length;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#writing !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writing = this.#drain().finally(() => {
        this.#writing = null;
        // Lines queued after the last batch was taken, while the loop was ending.
        if (this.#queue.length > 0 && !this.#closed) this.#schedule();
      });
    }, this.#delayMs);
  }

  /** Writes batches until the queue is empty (or a write failed). */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#failed) {
      const batch = this.#takeBatch();
      try {
        let offset = 0;
        const bytes = batch.bytes;
        while (offset < bytes.length) offset += await this.#writer.write(bytes.subarray(offset));
        this.#forwarded += batch.lines;
      } catch (error) {
        this.#failed = true;
        this.#dropped += batch.lines + this.#queue.filter((q) => q.agent).length;
        this.#queue = [];
        this.#chars = 0;
        this.#onError(error);
      }
    }
  }

  /**
   * Takes queued lines, about {@link BATCH_BYTES} of them (at least one), as
   * bytes, with the number of agent lines among them.
   */
  #takeBatch(): { bytes: Uint8Array; lines: number } {
    let n = 0;
    let size = 0;
    const queue = this.#queue;
    while (n < queue.length && (n === 0 || size + queue[n].text.length < BATCH_BYTES)) {
      size += queue[n].text.length + 1;
      n++;
    }
    const taken = queue.splice(0, n);
    let lines = 0;
    let text = "";
    for (const q of taken) {
      this.#chars -= q.text.length;
      if (q.agent) lines++;
      text += q.text + "\n";
    }
    return { bytes: this.#encoder.encode(text), lines };
  }
}
