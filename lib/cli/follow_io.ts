/**
 * The I/O of following (lib/cli/follow.ts): the terminal a follower writes
 * to and the signals that stop it, and the connection's waits — answers
 * within a time, frames until silence, reconnects with backoff.
 *
 * @module
 */

import { ClientError } from "../control/client.ts";
import type { ControlResponse } from "../control/protocol.ts";
import { type Pushed, SubscriptionClient } from "../control/subscribe_client.ts";
import type { Invocation } from "./client_command.ts";
import { reconnectDelayMs } from "./follow_views.ts";

/** Where a follower writes, and what stops it. */
export interface FollowIo {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** Aborted to stop following (Ctrl-C). */
  signal: AbortSignal;
}

/**
 * The process's terminal: lines to stdout and stderr, stopped by SIGINT or
 * SIGTERM or by stdout closing (`| head`). Call `dispose` at the end.
 */
export function terminalIo(): FollowIo & { dispose(): void } {
  const abort = new AbortController();
  const stop = () => abort.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const encoder = new TextEncoder();
  const write = (stream: typeof Deno.stdout | typeof Deno.stderr, text: string) => {
    const bytes = encoder.encode(text + "\n");
    try {
      for (let at = 0; at < bytes.length;) at += stream.writeSync(bytes.subarray(at));
    } catch {
      stop(); // nobody reads any more
    }
  };
  return {
    out: (line) => write(Deno.stdout, line),
    err: (line) => write(Deno.stderr, line),
    signal: abort.signal,
    dispose() {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    },
  };
}

/** Sleeps `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** `answers` settled within `ms`; else the client is closed and they reject. */
export async function within(
  client: SubscriptionClient,
  answers: Promise<ControlResponse>[],
  ms: number,
  signal: AbortSignal,
): Promise<ControlResponse[]> {
  const stop = () => client.close();
  const timer = setTimeout(stop, ms);
  signal.addEventListener("abort", stop, { once: true });
  try {
    return await Promise.all(answers);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
}

/** Reads pushed frames until the connection ends, goes silent, or `signal` aborts. */
export async function readFrames(
  client: SubscriptionClient,
  silenceMs: number,
  signal: AbortSignal,
  onFrame: (frame: Pushed) => void,
): Promise<void> {
  let last = performance.now();
  const watch = setInterval(() => {
    if (performance.now() - last > silenceMs) client.close();
  }, Math.min(1000, silenceMs / 3));
  const stop = () => client.close();
  signal.addEventListener("abort", stop, { once: true });
  try {
    for (let frame = await client.next(); frame !== null; frame = await client.next()) {
      last = performance.now();
      onFrame(frame);
    }
  } finally {
    clearInterval(watch);
    signal.removeEventListener("abort", stop);
  }
}

/** Connects again after a loss, with backoff; `null` once `signal` aborts. */
export async function reconnect(inv: Invocation, signal: AbortSignal): Promise<SubscriptionClient> {
  for (let attempt = 0;; attempt++) {
    await pause(reconnectDelayMs(attempt), signal);
    if (signal.aborted) throw new ClientError("closed", inv.socket, "Stopped");
    try {
      return await SubscriptionClient.connect(inv.socket, { origin: inv.socketOrigin });
    } catch {
      // not back yet
    }
  }
}
