/**
 * Where the control socket lives (docs/protocol.md, "Transport"): the
 * default path and the longest path a UNIX socket can have.
 *
 * @module
 */

/**
 * Default socket path (`command_socket_path`; `{user}` expands to the running
 * user). Here, with no dependencies, so that a client command loads no config
 * module to know it.
 */
export const DEFAULT_SOCKET_PATH = "/tmp/orchestrator.sock";

/** Longest UNIX socket path, in bytes, including nothing for the NUL (Linux `sun_path` is 108). */
export const MAX_SOCKET_PATH_BYTES = 107;
