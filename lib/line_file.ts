/**
 * An append-only file of whole lines, rotated by size and reopened on
 * request: the CLI audit log (`cli_audit_log_path`, docs/operations.md).
 *
 * - Whole lines: each line goes out in one `write`. When only part of it
 *   fits (a full filesystem, a file size limit) the part is removed at once:
 *   the file is truncated back to its size before the line, so no torn line
 *   stays to merge with the next one. The line is counted in
 *   {@linkcode LineFile.lostLines}.
 * - Faults: a failing write starts an episode: one `onError`, then lines are
 *   counted and dropped while a new attempt is made at most every `retryMs`;
 *   the first line written again ends it (`onRecover` with the lines lost).
 * - Rotation: a line that would take the file past `maxBytes` first renames
 *   `path` to `path.1` (`.1` to `.2` …, keeping `maxFiles`) and starts a new
 *   file, so a file only exceeds `maxBytes` when one line alone does.
 * - Reopen: {@linkcode reopenLineFiles} closes every open file so the next
 *   line opens the path again (logrotate renames the file, then SIGUSR1).
 *
 * @module
 */

import { closeQuietly } from "./close_quietly.ts";
import { openAppend, rotateFiles } from "./rotation.ts";
import { type WriteFaultOptions, WriteFaults } from "./write_faults.ts";

/**
 * Options of {@linkcode LineFile.open}; `onRecover` is told the lines lost in
 * the episode.
 */
export interface LineFileOptions extends WriteFaultOptions {
  /** Size (bytes) past which the next line goes to a new file. */
  maxBytes: number;
  /** Rotated files kept (`.1` … `.maxFiles`), at least 1. */
  maxFiles: number;
  /** Mode of a new file. Default 0600. */
  mode?: number;
}

/** Files opened and not closed, for {@linkcode reopenLineFiles}. */
const openFiles = new Set<LineFile>();

/**
 * Closes every line file's descriptor, so its next line opens the path again
 * (and a failing one retries at once). Returns how many files there are.
 */
export function reopenLineFiles(): number {
  const files = [...openFiles];
  for (const file of files) file.reopen();
  return files.length;
}

/**
 * Appends `bytes` to `file` (opened with `append`) whole or not at all: one
 * write, continued only if the kernel took part of them. When a write fails
 * after part of the bytes went out, the file is truncated back to its size
 * before them and the error is thrown; a failed first write wrote nothing.
 */
export function appendWhole(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  try {
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
  } catch (error) {
    if (written > 0) {
      try {
        file.truncateSync(Math.max(0, file.statSync().size - written));
      } catch {
        // Nothing more can be done; the write's own error is the one to report.
      }
    }
    throw error;
  }
}

/** An append-only file of whole lines; see the module doc. Writes never throw. */
export class LineFile {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  readonly #mode: number;
  readonly #faults: WriteFaults;
  #file: Deno.FsFile | null = null;
  #size = 0;
  #closed = false;

  private constructor(path: string, options: LineFileOptions) {
    this.#path = path;
    this.#maxBytes = Math.max(1, options.maxBytes);
    this.#maxFiles = Math.max(1, options.maxFiles);
    this.#mode = options.mode ?? 0o600;
    this.#faults = new WriteFaults(options);
  }

  /** Opens `path` for appending (created with `mode`). Throws when it cannot be opened now. */
  static open(path: string, options: LineFileOptions): LineFile {
    const file = new LineFile(path, options);
    file.#openNow();
    openFiles.add(file);
    return file;
  }

  /** The file's path. */
  get path(): string {
    return this.#path;
  }

  /** Lines given to {@linkcode writeLine} that are in no file, since open. */
  get lostLines(): number {
    return this.#faults.lost;
  }

  /** True while writes fail (between an `onError` and the next line written). */
  get failing(): boolean {
    return this.#faults.failing;
  }

  /**
   * Appends one line (`bytes` should end with a newline): whole, or not at
   * all (then counted in {@linkcode lostLines}). Returns whether it was written.
   */
  writeLine(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    if (this.#faults.waiting) return this.#drop();
    try {
      let file = this.#file ?? this.#openNow();
      if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) file = this.#rotate();
      appendWhole(file, bytes);
      this.#size += bytes.length;
    } catch (error) {
      this.#release();
      this.#faults.fail(error);
      return this.#drop();
    }
    this.#faults.succeeded();
    return true;
  }

  /**
   * Closes the file so the next line opens the path again (after logrotate
   * moved it away), and lets a failing file retry at the next line.
   */
  reopen(): void {
    this.#release();
    this.#faults.retryNow();
  }

  /** Closes the file for good: later lines are dropped (not counted). */
  close(): void {
    this.#closed = true;
    openFiles.delete(this);
    this.#release();
  }

  #openNow(): Deno.FsFile {
    ({ file: this.#file, size: this.#size } = openAppend(this.#path, this.#mode));
    return this.#file;
  }

  /** Renames the files one step down and opens a new one at the path. */
  #rotate(): Deno.FsFile {
    this.#release();
    rotateFiles(this.#path, this.#maxFiles);
    return this.#openNow();
  }

  #release(): void {
    closeQuietly(this.#file);
    this.#file = null;
  }

  #drop(): false {
    this.#faults.drop(1);
    return false;
  }
}
