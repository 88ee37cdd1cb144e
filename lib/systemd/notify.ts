/**
 * Telling the service manager how the orchestrator is doing (the
 * `sd_notify(3)` protocol; docs/systemd.md, "Notifications"): one datagram
 * of `KEY=VALUE` lines to the UNIX socket named by `NOTIFY_SOCKET` — a path,
 * or `@name` for an abstract socket. Without `NOTIFY_SOCKET` every call is a
 * no-op, so the same code runs under systemd, in a container and in a
 * terminal.
 *
 * Deno has no stable UNIX datagram socket (`Deno.listenDatagram` needs
 * `--unstable-net`, `node:dgram` has no UNIX sockets), so the datagram is
 * sent with libc's `sendto` through FFI (lib/libc.ts), from a non-blocking
 * socket: a full queue at the receiver fails the call instead of blocking
 * the event loop.
 *
 * @module
 */

import { OrchestratorError } from "../errors.ts";
import { monotonicMicros, sendDatagram } from "../libc.ts";
import type { Environment } from "./env.ts";
import {
  startWatchdog,
  WATCHDOG_ENV,
  watchdogIntervalMs,
  type WatchdogPinger,
} from "./watchdog.ts";

/** `READY=1`: start-up (or a reload) is finished. */
export const READY = "READY=1";
/** `STOPPING=1`: the graceful shutdown began. */
export const STOPPING = "STOPPING=1";
/** `WATCHDOG=1`: the service is alive (see lib/systemd/watchdog.ts). */
export const WATCHDOG = "WATCHDOG=1";

/** Longest `STATUS=` text sent, in characters; longer text is cut with `…`. */
export const MAX_STATUS_CHARS = 256;

/** Longest `sun_path` (Linux: 108 bytes, one kept for the terminating NUL of a path). */
const MAX_SUN_PATH_BYTES = 107;

const AF_UNIX = 1;

/**
 * The `struct sockaddr_un` bytes for a `NOTIFY_SOCKET` value: an absolute
 * path, or `@name` for the abstract name `\0name`. Throws on anything else
 * (relative paths, `vsock:` addresses) and on names too long for `sun_path`.
 */
export function notifyAddress(socket: string): Uint8Array {
  const abstract = socket.startsWith("@");
  if (!abstract && !socket.startsWith("/")) {
    throw new OrchestratorError(
      500,
      `Unsupported NOTIFY_SOCKET "${socket}": not an absolute path or an abstract "@name"`,
    );
  }
  const name = new TextEncoder().encode(abstract ? socket.slice(1) : socket);
  if (name.length === 0 || name.length > MAX_SUN_PATH_BYTES) {
    throw new OrchestratorError(
      500,
      `Unsupported NOTIFY_SOCKET "${socket}": ${name.length} bytes (1 to ${MAX_SUN_PATH_BYTES})`,
    );
  }
  // sa_family (host order: little-endian on x86_64 and aarch64), then the name:
  // an abstract name after a NUL and without one at the end, a path with one.
  const address = new Uint8Array(2 + 1 + name.length);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(name, abstract ? 3 : 2);
  return address;
}

/**
 * Sends `state` (one or more `KEY=VALUE` lines) to the service manager at
 * `socket` (default: `NOTIFY_SOCKET` of this process). Returns `false`
 * without sending when there is no socket, `true` once sent; throws an
 * error naming the socket and the reason when it cannot be sent.
 *
 * @example
 * ```ts
 * sdNotify("READY=1\nSTATUS=3 agents up");
 * ```
 */
export function sdNotify(
  state: string,
  socket: string | undefined = Deno.env.get("NOTIFY_SOCKET"),
): boolean {
  if (socket === undefined || socket === "") return false;
  const failure = sendDatagram(notifyAddress(socket), new TextEncoder().encode(state));
  if (failure !== null) {
    throw new OrchestratorError(
      500,
      `Cannot notify the service manager at "${socket}": ${failure}`,
    );
  }
  return true;
}

/**
 * `STATUS=<text>`: one line (line breaks become spaces, so the text cannot
 * add fields), at most {@link MAX_STATUS_CHARS} characters.
 */
export function statusState(text: string): string {
  const line = text.replace(/[\r\n]+/g, " ");
  const cut = line.length > MAX_STATUS_CHARS ? `${line.slice(0, MAX_STATUS_CHARS - 1)}…` : line;
  return `STATUS=${cut}`;
}

/**
 * `RELOADING=1` with `MONOTONIC_USEC=` (`CLOCK_MONOTONIC` in µs when the
 * reload began, which systemd ≥ 253 needs to tell this reload from an
 * earlier one); without it when the clock cannot be read (`null`).
 */
export function reloadingState(monotonicUsec: bigint | null): string {
  return monotonicUsec === null ? "RELOADING=1" : `RELOADING=1\nMONOTONIC_USEC=${monotonicUsec}`;
}

/** Options of {@link SystemdNotifier}. */
export interface NotifierOptions {
  /** How often to send `WATCHDOG=1`, in ms (null: no watchdog). */
  watchdogIntervalMs?: number | null;
  /** Called with the error when a notification cannot be sent (the caller logs it). */
  onError?: (error: OrchestratorError) => void;
}

/**
 * The orchestrator's channel to the service manager. Every method is a
 * no-op without a socket, never throws (a failure goes to `onError`) and
 * returns whether the message was sent.
 *
 * @example
 * ```ts
 * const notifier = SystemdNotifier.fromEnv({ onError: (e) => log.warn(e.message) });
 * notifier.startWatchdog();
 * notifier.ready("3 agents up");
 * ```
 */
export class SystemdNotifier {
  /** The `NOTIFY_SOCKET` value in use, or null (every call a no-op). */
  readonly socket: string | null;
  /** How often the watchdog pings, in ms, or null when systemd asked for none. */
  readonly watchdogIntervalMs: number | null;
  #onError: (error: OrchestratorError) => void;
  #pinger: WatchdogPinger | null = null;

  constructor(socket: string | null, options: NotifierOptions = {}) {
    this.socket = socket === "" ? null : socket;
    this.watchdogIntervalMs = this.socket === null ? null : options.watchdogIntervalMs ?? null;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` and removes
   * them from the environment, so agents do not inherit them (they are the
   * orchestrator's; `NotifyAccess=main` ignores other senders anyway).
   * Throws when a watchdog variable is malformed (after removing them).
   */
  static fromEnv(
    options: Omit<NotifierOptions, "watchdogIntervalMs"> & {
      env?: Pick<Deno.Env, "get" | "delete">;
      pid?: number;
    } = {},
  ): SystemdNotifier {
    const env = options.env ?? Deno.env;
    const values: Record<string, string | undefined> = {};
    for (const name of ["NOTIFY_SOCKET", ...WATCHDOG_ENV]) {
      values[name] = env.get(name);
      env.delete(name);
    }
    const interval = watchdogIntervalMs(values as Environment, options.pid ?? Deno.pid);
    return new SystemdNotifier(values.NOTIFY_SOCKET ?? null, {
      watchdogIntervalMs: interval,
      onError: options.onError,
    });
  }

  /** Sends `state` as it is. */
  notify(state: string): boolean {
    if (this.socket === null) return false;
    try {
      return sdNotify(state, this.socket);
    } catch (error) {
      this.#onError(
        error instanceof OrchestratorError ? error : new OrchestratorError(500, String(error)),
      );
      return false;
    }
  }

  /** `READY=1`, with `STATUS=` when `status` is given. */
  ready(status?: string): boolean {
    return this.notify(status === undefined ? READY : `${READY}\n${statusState(status)}`);
  }

  /** `STATUS=<text>`. */
  status(text: string): boolean {
    return this.notify(statusState(text));
  }

  /** `RELOADING=1` with `MONOTONIC_USEC=` now; follow with {@link ready} once reloaded. */
  reloading(): boolean {
    return this.notify(reloadingState(monotonicMicros()));
  }

  /**
   * `STOPPING=1`. The watchdog keeps pinging while agents stop (systemd
   * ignores the pings once it stops watching; the shutdown itself is
   * bounded by `TimeoutStopSec=`).
   */
  stopping(): boolean {
    return this.notify(STOPPING);
  }

  /** `WATCHDOG=1`. */
  watchdog(): boolean {
    return this.notify(WATCHDOG);
  }

  /** Starts pinging `WATCHDOG=1` every {@link watchdogIntervalMs}, when systemd asked for it. */
  startWatchdog(): void {
    if (this.watchdogIntervalMs === null || this.#pinger !== null) return;
    this.#pinger = startWatchdog(() => this.watchdog(), this.watchdogIntervalMs);
  }

  /** Stops the watchdog pings. Idempotent. */
  stopWatchdog(): void {
    this.#pinger?.stop();
    this.#pinger = null;
  }
}
