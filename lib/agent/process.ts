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

/**
 * Reads a stream to its end, handing decoded text to `onText`, and
 * `onBytes` the raw chunks (for log files). Never throws.
 */
export async function pump(
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
