/**
 * The socket path from a config file (`--config FILE` of the client
 * commands). Loaded lazily by `client_command.ts`, because the config loader
 * pulls in the JSONC parser and JSON Schema validator that `ps` must not pay
 * for.
 *
 * @module
 */

import { loadConfigFile } from "../config/load.ts";
import { UsageError } from "./result.ts";

/** The socket of a config: its resolved `command_socket_path`, and whether it is opened. */
export interface ConfigSocket {
  path: string;
  /** `enable_command_interface`: false means `run` opens no socket at all. */
  enabled: boolean;
}

/** Reads `path` and returns its socket; `UsageError` when unusable. */
export async function socketPathFromConfig(path: string): Promise<ConfigSocket> {
  const loaded = await loadConfigFile(path, { checkFilesystem: false });
  if (loaded.config === null) {
    const first = loaded.results.find((r) => r.severity === "error");
    const where = first === undefined || first.line === 0 ? "" : `${first.line}:${first.column}: `;
    throw new UsageError(
      `Cannot take the socket path from config "${path}": ${where}${first?.message ?? "invalid"}`,
    );
  }
  return {
    path: loaded.config.command_socket_path,
    enabled: loaded.config.enable_command_interface,
  };
}
