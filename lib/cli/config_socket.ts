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

/** Reads `path` and returns its resolved `command_socket_path`; `UsageError` when unusable. */
export async function socketPathFromConfig(path: string): Promise<string> {
  const read = await readConfigText(path);
  if (!read.ok) throw unusable(path, read.readError);
  const found = socketPathFromText(read.text);
  if (!found.ok) throw unusable(path, `${found.line}:${found.column}: ${found.message}`);
  return found.path;
}

function unusable(path: string, reason: string): UsageError {
  return new UsageError(`Cannot take the socket path from config "${path}": ${reason}`);
}
