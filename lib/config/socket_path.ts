/**
 * The control socket path of a config (docs/config.md,
 * `command_socket_path`): what makes one unusable, and reading it from a
 * config's text alone — the CLI's `--config FILE` wants this one field, not
 * a validation of the whole file.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import { DEFAULT_SOCKET_PATH, MAX_SOCKET_PATH_BYTES } from "../protocol/socket.ts";
import { currentUser, resolveSocketPath } from "./defaults.ts";
import { parseJsonc } from "./jsonc.ts";
import { booleanOf, properties, quote, rootProblem, stringOf, typeMismatch } from "./nodes.ts";

/** Why a `command_socket_path` as written can never be used, or `null`. */
export function configuredSocketPathProblem(configured: string): string | null {
  return configured.includes("\0") ? "Socket path contains a NUL byte" : null;
}

/** Why a resolved socket path cannot be bound (empty, or too long for a UNIX socket), or `null`. */
export function resolvedSocketPathProblem(path: string): string | null {
  if (path === "") return "Socket path is empty";
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return `Socket path is ${bytes} bytes; UNIX sockets allow at most ${MAX_SOCKET_PATH_BYTES}: ${
      quote(path)
    }`;
  }
  return null;
}

/** The socket path read from a config's text, or the first problem with it (1-based position). */
export type SocketPathOutcome =
  | { ok: true; path: string; enabled: boolean }
  | { ok: false; message: string; line: number; column: number };

/** Where the environment and `{user}` come from; defaults: `Deno.env`, the running user. */
export interface SocketPathOptions {
  env?: { get(name: string): string | undefined };
  user?: string;
}

/**
 * Reads `command_socket_path` from JSONC text and resolves it as loading the
 * config does (default, `ORCHESTRATOR_SOCKET_PATH`, `{user}`), checking only
 * what concerns the path: the text parses, the top level is an object, the
 * value is a string without NUL and — when `enable_command_interface` is
 * true — resolves to a path that can be bound. Other options are not looked at.
 *
 * @example
 * ```ts
 * socketPathFromText('{ "command_socket_path": "/run/{user}/o.sock" }', { user: "ann" });
 * // { ok: true, path: "/run/ann/o.sock", enabled: false }
 * ```
 */
export function socketPathFromText(
  text: string,
  options: SocketPathOptions = {},
): SocketPathOutcome {
  const parsed = parseJsonc(text);
  const problem = (message: string, node: Node): SocketPathOutcome => ({
    ok: false,
    message,
    ...parsed.lines.position(node.offset),
  });
  const root = parsed.root;
  if (root === undefined) {
    const { message, line, column } = parsed.errors[0];
    return { ok: false, message, line, column };
  }
  const notAnObject = rootProblem(root);
  if (notAnObject !== null) return problem(notAnObject, root);
  const p = properties(root);
  const node = p.get("command_socket_path");
  let configured = DEFAULT_SOCKET_PATH;
  if (node !== undefined) {
    const value = stringOf(node);
    if (value === undefined) return problem(typeMismatch(["string"], node), node);
    configured = value;
  }
  const at = node ?? root;
  const unusable = configuredSocketPathProblem(configured);
  if (unusable !== null) return problem(unusable, at);
  const env = options.env ?? Deno.env;
  const path = resolveSocketPath(configured, env, options.user ?? currentUser(env));
  const enabled = booleanOf(p.get("enable_command_interface")) === true;
  if (enabled) {
    const unbindable = resolvedSocketPathProblem(path);
    if (unbindable !== null) return problem(unbindable, at);
  }
  return { ok: true, path, enabled };
}
