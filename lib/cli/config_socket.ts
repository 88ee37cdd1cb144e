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

/** Reads `path` and returns its resolved `command_socket_path`; `UsageError` when unusable. */
export async function socketPathFromConfig(path: string): Promise<string> {
  const loaded = await loadConfigFile(path, { checkFilesystem: false });
  if (loaded.config === null) {
    const first = loaded.results.find((r) => r.severity === "error");
    const where = first === undefined || first.line === 0 ? "" : `${first.line}:${first.column}: `;
    throw new UsageError(
      `Cannot take the socket path from config "${path}": ${where}${first?.message ?? "invalid"}`,
    );
  }
  return loaded.config.command_socket_path;
}
