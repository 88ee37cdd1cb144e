/**
 * Rotated per-agent log files (SPEC §3 `log_dir`): `<name>.stdout.log`,
 * rotated at `maxBytes` to `.1`, `.2` … keeping `maxFiles` old files.
 *
 * @module
 */

/** An append-only file that rotates itself. Writes are synchronous and never throw. */
export class RotatingFile {
  #file: Deno.FsFile | null = null;
  #size = 0;
  #broken = false;
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  readonly #onError: (error: unknown) => void;

  constructor(
    path: string,
    options: { maxBytes: number; maxFiles: number; onError?: (error: unknown) => void },
  ) {
    this.#path = path;
    this.#maxBytes = Math.max(1, options.maxBytes);
    this.#maxFiles = Math.max(0, options.maxFiles);
    this.#onError = options.onError ?? (() => {});
  }

  /** The current file's path. */
  get path(): string {
    return this.#path;
  }

  #open(): Deno.FsFile | null {
    if (this.#file !== null) return this.#file;
    if (this.#broken) return null;
    try {
      this.#file = Deno.openSync(this.#path, { append: true, create: true, mode: 0o640 });
      this.#size = this.#file.statSync().size;
    } catch (error) {
      this.#broken = true;
      this.#onError(error);
    }
    return this.#file;
  }

  /**
   * Appends bytes. A file never grows past `maxBytes`: the bytes are split at
   * the last newline that fits (or cut hard when a line alone is too long)
   * and the rest goes to the next file.
   */
  write(bytes: Uint8Array): void {
    let rest = bytes;
    while (rest.length > 0) {
      const file = this.#open();
      if (file === null) return;
      const room = this.#maxBytes - this.#size;
      let cut = rest.length;
      if (rest.length > room) {
        const nl = rest.subarray(0, Math.max(0, room)).lastIndexOf(0x0a);
        cut = nl >= 0 ? nl + 1 : this.#size === 0 ? room : 0;
      }
      if (cut > 0 && !this.#writeAll(file, rest.subarray(0, cut))) return;
      rest = rest.subarray(cut);
      if (rest.length > 0) this.#rotate();
    }
  }

  #writeAll(file: Deno.FsFile, bytes: Uint8Array): boolean {
    try {
      let offset = 0;
      while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
      this.#size += bytes.length;
      return true;
    } catch (error) {
      this.#broken = true;
      this.close();
      this.#onError(error);
      return false;
    }
  }

  #rotate(): void {
    this.close();
    try {
      if (this.#maxFiles === 0) {
        Deno.removeSync(this.#path);
      } else {
        for (let i = this.#maxFiles - 1; i >= 1; i--) {
          try {
            Deno.renameSync(`${this.#path}.${i}`, `${this.#path}.${i + 1}`);
          } catch (error) {
            if (!(error instanceof Deno.errors.NotFound)) throw error;
          }
        }
        Deno.renameSync(this.#path, `${this.#path}.1`);
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Closes the file; a later write opens it again. */
  close(): void {
    try {
      this.#file?.close();
    } catch {
      // Already closed.
    }
    this.#file = null;
  }
}
