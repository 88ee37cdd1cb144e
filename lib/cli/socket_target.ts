/**
 * Which control socket a client command talks to, and where that path came
 * from (named in every connect error): `--socket` (or a positional
 * argument containing "/") > `ORCHESTRATOR_SOCKET_PATH` > `--config` >
 * the default.
 *
 * @module
 */

import { DEFAULT_SOCKET_PATH, MAX_SOCKET_PATH_BYTES } from "../protocol/socket.ts";
import { type ParsedArgs, stringFlag } from "./flags.ts";
import { UsageError } from "./result.ts";

/** The socket a client command talks to, and where that path came from. */
export interface SocketTarget {
  path: string;
  /** Named in connect errors: `from --socket`, `the default; set --socket, …` … */
  origin: string;
}

/** Where the default socket path is named from: what the user can set instead. */
export const DEFAULT_ORIGIN = "the default; set --socket, ORCHESTRATOR_SOCKET_PATH or --config";

/**
 * Checks a socket path the client is about to use: empty, NUL bytes and
 * paths over the OS limit are usage errors (exit 2), not connect failures.
 */
export function checkSocketPath(target: SocketTarget): SocketTarget {
  const where = `Socket path ${JSON.stringify(target.path)} (${target.origin})`;
  if (target.path === "") throw new UsageError(`Socket path (${target.origin}) is empty`);
  if (target.path.includes("\0")) throw new UsageError(`${where} contains a NUL byte`);
  const bytes = new TextEncoder().encode(target.path).length;
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new UsageError(
      `${where} is ${bytes} bytes: the limit is ${MAX_SOCKET_PATH_BYTES} bytes`,
    );
  }
  return target;
}

/**
 * Resolves the socket: `--socket` (or a positional path) > env
 * `ORCHESTRATOR_SOCKET_PATH` (when non-empty) > `--config` > default.
 * `--socket ''` and a config with the command interface disabled are usage
 * errors.
 */
export async function resolveSocket(
  args: ParsedArgs,
  positionalSocket?: string,
): Promise<SocketTarget> {
  const flag = stringFlag(args, "socket");
  if (flag !== undefined) {
    if (flag === "") throw new UsageError(`Flag "--socket" is empty: give a socket path`);
    return checkSocketPath({ path: flag, origin: "from --socket" });
  }
  if (positionalSocket !== undefined) {
    return checkSocketPath({ path: positionalSocket, origin: "from the argument" });
  }
  const env = Deno.env.get("ORCHESTRATOR_SOCKET_PATH");
  if (env !== undefined && env !== "") {
    return checkSocketPath({ path: env, origin: "from ORCHESTRATOR_SOCKET_PATH" });
  }
  const config = stringFlag(args, "config");
  if (config !== undefined) {
    // A computed specifier: `deno run` prepares every literal dynamic import of a module
    // (and the npm packages behind config_socket.ts) when the module loads, ~5 ms per call.
    const { socketPathFromConfig } = await import(
      new URL("./config_socket.ts", import.meta.url).href
    ) as typeof import("./config_socket.ts");
    const socket = await socketPathFromConfig(config);
    if (!socket.enabled) {
      throw new UsageError(
        `Config ${
          JSON.stringify(config)
        } has enable_command_interface: false: no socket to connect to`,
      );
    }
    return checkSocketPath({ path: socket.path, origin: `from config ${JSON.stringify(config)}` });
  }
  return { path: DEFAULT_SOCKET_PATH, origin: DEFAULT_ORIGIN };
}

/** Splits positionals into the socket path (contains "/") and the rest. */
export function splitPositionals(positionals: readonly string[]): {
  socket?: string;
  rest: string[];
} {
  const paths = positionals.filter((p) => p.includes("/"));
  if (paths.length > 1) {
    throw new UsageError(`More than one socket path given: ${paths.join(", ")}`);
  }
  return { socket: paths[0], rest: positionals.filter((p) => !p.includes("/")) };
}
