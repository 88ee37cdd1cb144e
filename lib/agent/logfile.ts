/**
 * Rotated per-agent log files (`log_dir`, see docs/operations.md):
 * `<name>.stdout.log`, rotated at `maxBytes` to `.1`, `.2` … keeping
 * `maxFiles` old files.
 *
 * Faults (docs/operations.md, "Faults"): a failing write (a full disk, a
 * removed directory) starts an episode: one `onError`, then the bytes are
 * counted in {@linkcode RotatingFile.lostBytes} and dropped while a new
 * attempt is made at most every `retryMs`; the first write that works again
 * ends the episode (`onRecover` with the bytes lost in it). SIGUSR1 reopens
 * every open file by path ({@linkcode reopenLogFiles}), for logrotate.
 *
 * @module
 */

import { closeQuietly } from "../close_quietly.ts";
import { openAppend, rotateFiles } from "../rotation.ts";
import { type WriteFaultOptions, WriteFaults } from "../write_faults.ts";

/**
 * Options of {@linkcode RotatingFile}; `onRecover` is told the bytes lost in
 * the episode.
 */
export interface RotatingFileOptions extends WriteFaultOptions {
  /** Largest size of one file, in bytes. */
  maxBytes: number;
  /** Rotated files kept (`.1` … `.maxFiles`); 0 = none. */
  maxFiles: number;
}

/** Files currently open, for {@linkcode reopenLogFiles}. */
const openFiles = new Set<RotatingFile>();

/** Writes dropped by any file so far (see {@linkcode logFileDrops}). */
let drops = 0;

/**
 * How many writes any log file has dropped since the process started: grows
 * whenever some file's {@linkcode RotatingFile.lostBytes} does, so an
 * answer that shows lost bytes knows when it is out of date.
 */
export function logFileDrops(): number {
  return drops;
}

/**
 * Closes every open log file, so the next write opens its path again (the
 * SIGUSR1 hook, for logrotate's rename-then-signal). Returns how many were open.
 */
export function reopenLogFiles(): number {
  const files = [...openFiles];
  for (const file of files) file.reopen();
  return files.length;
}

/** An append-only file that rotates itself. Writes are synchronous and never throw. */
export class RotatingFile {
  #file: Deno.FsFile | null = null;
  #size = 0;
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  readonly #faults: WriteFaults;

  constructor(path: string, options: RotatingFileOptions) {
    this.#path = path;
    this.#maxBytes = Math.max(1, options.maxBytes);
    this.#maxFiles = Math.max(0, options.maxFiles);
    this.#faults = new WriteFaults(options);
  }

  /** The current file's path. */
  get path(): string {
    return this.#path;
  }

  /** Bytes given to {@linkcode write} that never reached a file, since creation. */
  get lostBytes(): number {
    return this.#faults.lost;
  }

  /** True while writes fail (between an `onError` and the next successful write). */
  get failing(): boolean {
    return this.#faults.failing;
  }

  #open(): Deno.FsFile | null {
    if (this.#file !== null) return this.#file;
    try {
      ({ file: this.#file, size: this.#size } = openAppend(this.#path, 0o600));
      openFiles.add(this);
    } catch (error) {
      this.#faults.fail(error);
      return null;
    }
    return this.#file;
  }

  /**
   * Appends bytes. A file never grows past `maxBytes`: the bytes are split at
   * the last newline that fits (or cut hard when a line alone is too long)
   * and the rest goes to the next file. Bytes that cannot be written are
   * counted in {@linkcode lostBytes}.
   */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#faults.waiting) return this.#drop(bytes.length);
    let rest = bytes;
    while (rest.length > 0) {
      const file = this.#open();
      if (file === null) return this.#drop(rest.length);
      const room = this.#maxBytes - this.#size;
      let cut = rest.length;
      if (rest.length > room) {
        const nl = rest.subarray(0, Math.max(0, room)).lastIndexOf(0x0a);
        cut = nl >= 0 ? nl + 1 : this.#size === 0 ? room : 0;
      }
      if (cut > 0) {
        const written = this.#writeAll(file, rest.subarray(0, cut));
        if (written < cut) return this.#drop(rest.length - written);
      }
      rest = rest.subarray(cut);
      if (rest.length > 0 && !this.#rotate()) return this.#drop(rest.length);
    }
  }

  /** Writes `bytes`; returns how many were written (fewer after a failure). */
  #writeAll(file: Deno.FsFile, bytes: Uint8Array): number {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
    } catch (error) {
      this.#size += offset;
      this.close();
      this.#faults.fail(error);
      return offset;
    }
    this.#size += offset;
    this.#faults.succeeded();
    return offset;
  }

  /** Renames the files one step down; false when that failed. */
  #rotate(): boolean {
    this.close();
    try {
      rotateFiles(this.#path, this.#maxFiles);
      return true;
    } catch (error) {
      this.#faults.fail(error);
      return false;
    }
  }

  #drop(count: number): void {
    drops++;
    this.#faults.drop(count);
  }

  /**
   * Closes the file so the next write opens the path again (after logrotate
   * moved it away), and lets a failing file retry at the next write.
   */
  reopen(): void {
    this.close();
    this.#faults.retryNow();
  }

  /** Closes the file; a later write opens it again. */
  close(): void {
    openFiles.delete(this);
    closeQuietly(this.#file);
    this.#file = null;
  }
}
