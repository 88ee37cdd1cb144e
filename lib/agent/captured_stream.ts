/**
 * What the orchestrator keeps of one output stream of an agent across its
 * runs: the newest bytes (when `capture_output`) and the counters `logs`
 * reports (docs/protocol.md). Pure, no I/O.
 *
 * @module
 */

import { ByteRing } from "./byte_ring.ts";
import { tailLines } from "./tail_lines.ts";

/** Per-stream counters of `logs` (since the orchestrator started). */
export interface StreamCounters {
  /** Bytes read from the stream. */
  bytes: number;
  /** Bytes read but no longer (or never) kept in memory. */
  dropped_bytes: number;
  /** Lines longer than `output_line_max_bytes`. */
  cut_lines: number;
}

/**
 * One stream of one agent: a {@link ByteRing} of `keepBytes` (none when
 * output is not captured) and the counters.
 */
export class CapturedStream {
  /** Lines past the line bound (added by the readers of each run). */
  cutLines = 0;
  #bytes = 0;
  readonly #ring: ByteRing | null;
  readonly #lineMax: number;

  constructor(options: { keepBytes: number | null; lineMax: number }) {
    this.#ring = options.keepBytes === null ? null : new ByteRing(options.keepBytes);
    this.#lineMax = options.lineMax;
  }

  /** Bytes read so far: a mark for {@link since}. */
  get total(): number {
    return this.#bytes;
  }

  /** True when bytes were read but are no longer kept. */
  get truncated(): boolean {
    return this.#bytes > (this.#ring?.length ?? 0);
  }

  /** Keeps a copy of `chunk` (when capturing) and counts it. */
  write(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    this.#ring?.write(chunk);
  }

  /** The kept bytes read at or after `mark`, and how many of those bytes were dropped. */
  since(mark: number): { bytes: Uint8Array; dropped: number } {
    if (this.#ring === null) return { bytes: new Uint8Array(0), dropped: 0 };
    return this.#ring.since(mark);
  }

  /** The newest `count` kept lines (cut at the line bound, see `tailLines`). */
  lines(count: number): string[] {
    if (this.#ring === null) return [];
    const before = this.#ring.byteBefore;
    return tailLines(this.#ring.bytes(), {
      count,
      lineMax: this.#lineMax,
      startsLine: before === -1 || before === 0x0a,
    });
  }

  /** The counters as `logs` reports them. */
  counters(): StreamCounters {
    return {
      bytes: this.#bytes,
      dropped_bytes: this.#bytes - (this.#ring?.length ?? 0),
      cut_lines: this.cutLines,
    };
  }
}
