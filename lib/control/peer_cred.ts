/**
 * Who is at the other end of a control connection, as the kernel recorded
 * it at `connect(2)` (`SO_PEERCRED`), not as the client claims it
 * (docs/systemd.md, "Verified peers"). `Deno.UnixConn` exposes no
 * descriptor, so this reads a `node:net` socket's descriptor and asks libc
 * through FFI (lib/libc.ts, opened on first use).
 *
 * Every function returns `null` when it cannot tell (no libc, FFI not
 * permitted, not a socket): the caller falls back to the reported identity.
 *
 * @module
 */

import type { Server, Socket } from "node:net";
import { libc, type LibcSymbols, SOL_SOCKET } from "../libc.ts";

const SO_TYPE = 3;
const SO_PEERCRED = 17;
const SO_ACCEPTCONN = 30;
const SO_DOMAIN = 39;

/** `AF_UNIX`, the domain of a UNIX socket. */
export const AF_UNIX = 1;
/** `SOCK_STREAM`, the type of a connection-oriented socket. */
export const SOCK_STREAM = 1;

/** The peer's credentials: pid, uid and gid of the process that connected. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/**
 * The descriptor behind a `node:net` socket or server, or null when it has
 * none (closed, or a runtime that hides it). Deno's `node:net` keeps it at
 * `_handle.fd`, as Node does.
 */
export function handleFd(socket: Socket | Server | object): number | null {
  const handle = (socket as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 ? fd : null;
}

/**
 * `getsockopt(fd, SOL_SOCKET, SO_PEERCRED)`: the peer's pid, uid and gid.
 * Null when unavailable or the call fails (not a UNIX socket, closed).
 *
 * @example
 * ```ts
 * const fd = handleFd(socket);
 * const peer = fd === null ? null : peerCredentials(fd); // { pid: 4242, uid: 1000, gid: 1000 }
 * ```
 */
export function peerCredentials(fd: number): PeerCredentials | null {
  const lib = libc();
  if (lib === null) return null;
  const cred = new Int32Array(3); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const len = new Uint32Array([cred.byteLength]);
  if (lib.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) return null;
  if (len[0] !== cred.byteLength) return null;
  return { pid: cred[0], uid: cred[1] >>> 0, gid: cred[2] >>> 0 };
}

/** What a socket descriptor is, as far as serving it matters. */
export interface SocketKind {
  /** {@link AF_UNIX} is 1, `AF_INET` 2, `AF_INET6` 10. */
  domain: number;
  /** {@link SOCK_STREAM} is 1, `SOCK_DGRAM` 2, `SOCK_SEQPACKET` 5. */
  type: number;
  /** Whether `listen(2)` was called on it. */
  listening: boolean;
}

/**
 * The domain, type and listening state of `fd`; `"not-socket"` when it is
 * not an open socket; null when libc is unavailable (nobody can tell).
 */
export function socketKind(fd: number): SocketKind | "not-socket" | null {
  const lib = libc();
  if (lib === null) return null;
  const domain = intOption(lib, fd, SO_DOMAIN);
  const type = intOption(lib, fd, SO_TYPE);
  const listening = intOption(lib, fd, SO_ACCEPTCONN);
  if (domain === null || type === null || listening === null) return "not-socket";
  return { domain, type, listening: listening !== 0 };
}

/**
 * The path a UNIX socket is bound to (`getsockname`), or null when libc is
 * unavailable, the call fails, or the socket has no path (unbound, or an
 * abstract name, returned as `@name`).
 */
export function socketPath(fd: number): string | null {
  const lib = libc();
  if (lib === null) return null;
  const address = new Uint8Array(2 + 108); // struct sockaddr_un { sa_family_t; char sun_path[108]; }
  const len = new Uint32Array([address.length]);
  if (lib.getsockname(fd, address, len) !== 0) return null;
  const size = Math.min(len[0], address.length);
  if (size <= 2 || new DataView(address.buffer).getUint16(0, true) !== AF_UNIX) return null;
  const name = address.subarray(2, size);
  if (name[0] === 0) return "@" + new TextDecoder().decode(name.subarray(1));
  const end = name.indexOf(0);
  return new TextDecoder().decode(end < 0 ? name : name.subarray(0, end));
}

/** Reads an `int` socket option; null when the call fails. */
function intOption(lib: LibcSymbols, fd: number, option: number): number | null {
  const value = new Int32Array(1);
  const len = new Uint32Array([4]);
  if (lib.getsockopt(fd, SOL_SOCKET, option, value, len) !== 0) return null;
  return value[0];
}
