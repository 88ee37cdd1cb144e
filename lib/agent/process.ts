/**
 * The process seam: spawn an agent in its own process group, signal the
 * group, read its pipes. Thin I/O, no decisions.
 *
 * @module
 */

import type { ExitInfo } from "./restart.ts";
import type { ResolvedCommand } from "./template.ts";

/** A spawned agent process. Its pid is also its process group id. */
export interface AgentProcess {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  readonly stdout: ReadableStream<Uint8Array> | null;
  readonly stderr: ReadableStream<Uint8Array> | null;
}

/**
 * Spawns `cmd` as the leader of a new session and process group
 * (`detached: true`), stdin from /dev/null. Throws what `Deno.Command`
 * throws (e.g. `Deno.errors.NotFound`).
 */
export function spawnProcess(cmd: ResolvedCommand, options: { pipe: boolean }): AgentProcess {
  const child = new Deno.Command(cmd.command, {
    args: cmd.args,
    env: cmd.env,
    cwd: cmd.cwd ?? undefined,
    stdin: "null",
    stdout: options.pipe ? "piped" : "null",
    stderr: options.pipe ? "piped" : "null",
    detached: true,
  }).spawn();
  const exited = child.status.then((s): ExitInfo => ({
    code: s.signal === null ? s.code : null,
    signal: s.signal,
  }));
  return {
    pid: child.pid,
    exited,
    stdout: options.pipe ? child.stdout : null,
    stderr: options.pipe ? child.stderr : null,
  };
}

/**
 * Sends `signal` to the whole process group `pgid`. Returns false when the
 * group no longer exists.
 */
export function signalGroup(pgid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || isEsrch(error)) return false;
    throw error;
  }
}

function isEsrch(error: unknown): boolean {
  return error instanceof Error && /ESRCH|No such process/i.test(error.message);
}

/** Smallest and largest read buffer of {@link pump}. */
const MIN_READ = 512;
const MAX_READ = 64 * 1024;

/**
 * Reads a stream to its end, handing decoded text to `onText` and the raw
 * chunks to `onBytes` (for log files). Reads into its own buffer (BYOB),
 * which starts small — an idle agent costs 512 bytes per stream — and
 * doubles while reads fill it, up to 64 KiB. Never throws.
 */
export async function pump(
  stream: ReadableStream<Uint8Array>,
  onText: ((text: string) => void) | null,
  onBytes: ((bytes: Uint8Array) => void) | null,
): Promise<void> {
  const decoder = new TextDecoder();
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    return pumpDefault(stream, onText, onBytes);
  }
  let size = MIN_READ;
  try {
    while (true) {
      const { value, done } = await reader.read(new Uint8Array(size));
      if (done || value === undefined) break;
      onBytes?.(value);
      if (onText !== null) onText(decoder.decode(value, { stream: true }));
      if (value.length === size && size < MAX_READ) size *= 2;
      else if (value.length < size / 4 && size > MIN_READ) size /= 2;
    }
  } catch {
    // The stream was cancelled or the pipe broke: what was read is kept.
  } finally {
    reader.releaseLock();
  }
  if (onText !== null) {
    const rest = decoder.decode();
    if (rest !== "") onText(rest);
  }
}

async function pumpDefault(
  stream: ReadableStream<Uint8Array>,
  onText: ((text: string) => void) | null,
  onBytes: ((bytes: Uint8Array) => void) | null,
): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) {
      onBytes?.(chunk);
      if (onText !== null) onText(decoder.decode(chunk, { stream: true }));
    }
  } catch {
    // The stream was cancelled or the pipe broke: what was read is kept.
  }
  if (onText !== null) {
    const rest = decoder.decode();
    if (rest !== "") onText(rest);
  }
}
