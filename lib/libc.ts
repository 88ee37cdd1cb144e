/**
 * The few libc calls Deno does not expose, through FFI (`Deno.dlopen` of
 * glibc's `libc.so.6`, opened once on first use): `getsockopt` and
 * `getsockname` (peer credentials and the path of a passed socket, in
 * lib/control/peer_cred.ts), `FD_CLOEXEC` on inherited
 * descriptors, datagrams to the service manager's notification socket and
 * `CLOCK_MONOTONIC` (docs/systemd.md), `prctl` and `waitpid` for the child
 * subreaper (lib/containment/libc.ts), and glibc's `mallopt` (large
 * allocations returned to the system when freed).
 *
 * Every function returns `null` (or `false`) when libc cannot be opened —
 * not Linux, or FFI not permitted (`--allow-ffi`, included in `-A` and in the
 * compiled binary) — so callers degrade instead of crashing. The constants
 * are Linux's on x86_64 and aarch64.
 *
 * @module
 */

const SYMBOLS = {
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
  },
  close: { parameters: ["i32"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  waitpid: { parameters: ["i32", "pointer", "i32"], result: "i32" },
  mallopt: { parameters: ["i32", "i32"], result: "i32" },
} as const;

/** `SOL_SOCKET`: the level of the generic socket options (`getsockopt`). */
export const SOL_SOCKET = 1;
const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const CLOCK_MONOTONIC = 1;
const M_MMAP_THRESHOLD = -3;

/** `errno` values named in messages. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  9: "EBADF",
  11: "EAGAIN",
  13: "EACCES",
  22: "EINVAL",
  88: "ENOTSOCK",
  91: "EPROTOTYPE",
  105: "ENOBUFS",
  111: "ECONNREFUSED",
};

let symbols: LibcSymbols | null | undefined;

/** The libc functions this module opens. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** The opened libc, or `null` when it cannot be opened (tried once, on first use). */
export function libc(): LibcSymbols | null {
  if (symbols !== undefined) return symbols;
  symbols = null;
  if (Deno.build.os !== "linux") return null;
  try {
    symbols = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  } catch {
    // no glibc, or FFI not permitted
  }
  return symbols;
}

/** True when the libc calls of this module are available. */
export function libcAvailable(): boolean {
  return libc() !== null;
}

/** The name of the calling thread's `errno` (e.g. `"EAGAIN"`), or `"errno N"`. */
export function errnoName(lib: LibcSymbols): string {
  const ptr = lib.__errno_location();
  if (ptr === null) return "unknown error";
  const code = new Deno.UnsafePointerView(ptr).getInt32();
  return ERRNO_NAMES[code] ?? `errno ${code}`;
}

/**
 * Sets `FD_CLOEXEC` on `fd`, so programs the process spawns do not inherit
 * it. False when libc is unavailable or the descriptor is not open.
 */
export function setCloseOnExec(fd: number): boolean {
  const lib = libc();
  if (lib === null) return false;
  const flags = lib.fcntl(fd, F_GETFD, 0);
  if (flags < 0) return false;
  return (flags & FD_CLOEXEC) !== 0 || lib.fcntl(fd, F_SETFD, flags | FD_CLOEXEC) === 0;
}

/** Whether `fd` is open and has `FD_CLOEXEC` set; null when libc is unavailable or `fd` is closed. */
export function isCloseOnExec(fd: number): boolean | null {
  const lib = libc();
  if (lib === null) return null;
  const flags = lib.fcntl(fd, F_GETFD, 0);
  return flags < 0 ? null : (flags & FD_CLOEXEC) !== 0;
}

/**
 * Sends one datagram to the UNIX datagram socket at `address` (a
 * `struct sockaddr_un`, already encoded) from a fresh non-blocking socket,
 * then closes it. Never blocks: a full receive queue fails with `EAGAIN`.
 * Returns `null` on success, else the reason (an errno name, or
 * `"libc unavailable"`).
 */
export function sendDatagram(address: Uint8Array, message: Uint8Array): string | null {
  const lib = libc();
  if (lib === null) return "libc unavailable";
  const fd = lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errnoName(lib);
  try {
    const sent = lib.sendto(
      fd,
      message,
      BigInt(message.length),
      MSG_NOSIGNAL,
      address,
      address.length,
    );
    if (sent < 0n) return errnoName(lib);
    return sent === BigInt(message.length) ? null : "short write";
  } finally {
    lib.close(fd);
  }
}

/**
 * `CLOCK_MONOTONIC` in whole microseconds — the clock systemd's
 * `MONOTONIC_USEC=` expects — or null when libc is unavailable.
 * Neither `performance.now()` (counted from this process's start) plus
 * `performance.timeOrigin` (wall clock) nor `/proc/uptime` (`CLOCK_BOOTTIME`,
 * which also counts suspended time, in 10 ms steps) is that clock.
 */
export function monotonicMicros(): bigint | null {
  const lib = libc();
  if (lib === null) return null;
  const ts = new BigInt64Array(2); // struct timespec { time_t tv_sec; long tv_nsec; }
  if (lib.clock_gettime(CLOCK_MONOTONIC, ts) !== 0) return null;
  return ts[0] * 1_000_000n + ts[1] / 1000n;
}

/**
 * Makes glibc map every allocation of at least `bytes` on its own, so it
 * goes back to the system the moment it is freed. By default glibc raises
 * that threshold (up to 32 MiB) each time a large block is freed, and later
 * large blocks — a 1 MiB request, its answer — then come from the heap,
 * which keeps the pages after they are freed: a burst of large control
 * frames would leave the process hundreds of MiB larger for good
 * (docs/operations.md, "Faults"). Setting the threshold fixes it at
 * `bytes`. False when libc is unavailable (not glibc, or no FFI).
 */
export function mapLargeAllocations(bytes: number): boolean {
  const lib = libc();
  return lib !== null && lib.mallopt(M_MMAP_THRESHOLD, bytes) === 1;
}
