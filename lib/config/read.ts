/**
 * Reading a config file with bounds (docs/config.md, "Reading the file"):
 * at most {@link MAX_CONFIG_BYTES} bytes from any kind of file, so
 * `/dev/zero` or `/dev/urandom` end with an error instead of filling memory;
 * opened non-blocking, so a FIFO with no writer reads as empty instead of
 * hanging; a pipe or FIFO whose writer sends nothing for
 * {@link READ_IDLE_MS} ends with an error. Directories and sockets are
 * refused. Never throws.
 *
 * @module
 */

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Largest config read, in bytes (16 MiB): the read stops there. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Longest wait for the next bytes from a pipe, FIFO or terminal, in milliseconds. */
export const READ_IDLE_MS = 30_000;

/** What reading a config produced: its text, or why there is none. */
export type ReadOutcome = { ok: true; text: string } | { ok: false; reason: string };

/** Options of {@link readConfigText} (tests shorten the bounds). */
export interface ReadOptions {
  /** Default {@link MAX_CONFIG_BYTES}. */
  maxBytes?: number;
  /** Default {@link READ_IDLE_MS}. */
  idleMs?: number;
}

/** Poll interval while a pipe has a writer but no data yet. */
const POLL_MS = 10;

/** `16 MiB` for whole MiB, else bytes. */
export function formatBytes(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes % mib === 0 ? `${bytes / mib} MiB` : `${bytes} bytes`;
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENXIO") return "is a socket";
  if (code === "EISDIR") return "is a directory";
  if (code === "ENOTDIR") return "a parent of it is not a directory";
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Reads the bytes of `fd`, at most `maxBytes`, polling while a pipe is empty
 * but still has a writer; a reason instead when a bound was hit.
 */
async function readBounded(
  fd: number,
  maxBytes: number,
  idleMs: number,
): Promise<{ bytes: Uint8Array } | { reason: string }> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let total = 0;
  let idleSince = performance.now();
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EAGAIN") return { reason: reasonOf(error) };
      if (performance.now() - idleSince > idleMs) {
        return { reason: `no data for ${idleMs / 1000} s` };
      }
      await sleep(POLL_MS);
      continue;
    }
    if (n === 0) return { bytes: concat(chunks, total) };
    total += n;
    if (total > maxBytes) return { reason: `larger than ${formatBytes(maxBytes)}` };
    chunks.push(buffer.slice(0, n));
    idleSince = performance.now();
  }
}

/**
 * Reads the text of the config at `path` within the bounds; the failure
 * reason fits after `Cannot read config "x": `.
 *
 * @example
 * ```ts
 * const read = await readConfigText("/dev/zero");
 * read; // { ok: false, reason: "larger than 16 MiB" }
 * ```
 */
export async function readConfigText(
  path: string,
  options: ReadOptions = {},
): Promise<ReadOutcome> {
  const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES;
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return { ok: false, reason: "is a directory" };
    if (info.isSocket()) return { ok: false, reason: "is a socket" };
    if (info.isFile() && info.size > maxBytes) {
      return { ok: false, reason: `larger than ${formatBytes(maxBytes)}` };
    }
    const read = await readBounded(fd, maxBytes, options.idleMs ?? READ_IDLE_MS);
    if ("reason" in read) return { ok: false, reason: read.reason };
    if (read.bytes.length === 0 && info.isFIFO()) {
      return { ok: false, reason: "a FIFO with no writer (nothing to read)" };
    }
    try {
      return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(read.bytes) };
    } catch {
      return { ok: false, reason: "not valid UTF-8" };
    }
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  } finally {
    closeSync(fd);
  }
}
