/**
 * The socket path from a config file (`--config FILE` of the client
 * commands): `command_socket_path` alone, resolved as `run` resolves it,
 * without validating the rest of the file. Loaded lazily by
 * `client_command.ts`, because reading it pulls in the JSONC parser that
 * `ps` must not pay for.
 *
 * @module
 */

import { readConfigText } from "../config/read.ts";
import { socketPathFromText } from "../config/socket_path.ts";
import { UsageError } from "./result.ts";

/** The socket of a config: its resolved `command_socket_path`, and whether it is opened. */
export interface ConfigSocket {
  path: string;
  /** `enable_command_interface`: false means `run` opens no socket at all. */
  enabled: boolean;
}

/** Reads `path` and returns its socket; `UsageError` when unusable. */
export async function socketPathFromConfig(path: string): Promise<ConfigSocket> {
  const read = await readConfigText(path);
  if (!read.ok) throw unusable(path, read.reason);
  const found = socketPathFromText(read.text);
  if (!found.ok) throw unusable(path, `${found.line}:${found.column}: ${found.message}`);
  return { path: found.path, enabled: found.enabled };
}

function unusable(path: string, reason: string): UsageError {
  return new UsageError(`Cannot take the socket path from config "${path}": ${reason}`);
}
