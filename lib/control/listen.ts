/**
 * Which socket the control server serves, and through which transport
 * (docs/systemd.md, "Socket activation" and "Verified callers"):
 *
 * - a socket passed by the service manager: served as it is through
 *   `node:net` (`Deno.listen` cannot adopt a descriptor), never created,
 *   chmod-ed or removed; callers verified;
 * - else, with `command_socket_verify_peer: true`: bound at
 *   `command_socket_path` and served through `node:net`; callers verified;
 * - else: bound and served through `Deno.listen`; callers report who they are.
 *
 * @module
 */

import type { OrchestratorConfig } from "../config/types.ts";
import { OrchestratorError } from "../errors.ts";
import { libcAvailable } from "../libc.ts";
import { NodeUnixListener } from "./node_transport.ts";
import { socketPath } from "./peer_cred.ts";
import { bindSocket, type BoundSocket } from "./socket.ts";
import { type ControlListener, DenoUnixListener, type SocketInfo } from "./transport.ts";

/** A socket ready to accept on. */
export interface OpenedSocket {
  listener: ControlListener;
  info: SocketInfo;
  /** The socket file to remove at close: the one the orchestrator bound, none for a passed socket. */
  owned: Pick<BoundSocket, "path" | "ino"> | null;
}

/**
 * Opens the control socket: the passed descriptor `inheritedFd` when given,
 * else a socket bound at `command_socket_path` with
 * `command_socket_permissions`. Rejects with a clear message when it cannot
 * be served, and when verified callers are asked for where libc cannot be
 * opened (so `SO_PEERCRED` cannot be read).
 */
export async function openControlSocket(
  config: Pick<
    OrchestratorConfig,
    "command_socket_path" | "command_socket_permissions" | "command_socket_verify_peer"
  >,
  inheritedFd?: number,
): Promise<OpenedSocket> {
  if (inheritedFd !== undefined) {
    const listener = await NodeUnixListener.fromFd(inheritedFd);
    const path = socketPath(inheritedFd) ?? config.command_socket_path;
    return {
      listener,
      owned: null,
      info: { path, source: "systemd", verified_peers: libcAvailable() },
    };
  }
  const path = config.command_socket_path;
  const mode = config.command_socket_permissions;
  if (config.command_socket_verify_peer) {
    if (!libcAvailable()) {
      throw new OrchestratorError(
        500,
        `Cannot start control server with verified callers on "${path}": ` +
          "libc cannot be opened (needs Linux with glibc, and --allow-ffi)",
      );
    }
    const bound = await NodeUnixListener.bind(path, mode);
    return {
      listener: bound.listener,
      owned: bound,
      info: { path, source: "bound", verified_peers: true },
    };
  }
  const bound = await bindSocket(path, mode);
  return {
    listener: new DenoUnixListener(bound.listener),
    owned: bound,
    info: { path, source: "bound", verified_peers: false },
  };
}
