/**
 * Which commands a connection may run (SPEC §3, §6). Pure: the server builds
 * the allowed set once from the config with `resolveAllowed` and asks
 * `authorize` per request.
 *
 * Order of checks (documented in docs/protocol.md): an unknown command is
 * 404 whether or not it is listed, because the list of commands is public and
 * a 404 tells the caller about a typo; a known command that is not in the
 * allowed set — not whitelisted, or blocked (blocked always wins) — is 403.
 *
 * @module
 */

import { type CommandName, isCommandName, resolveAllowed } from "../protocol/commands.ts";
import type { OrchestratorConfig } from "../config/types.ts";
import { capText } from "../text_cap.ts";

/** The decision for one command name. */
export type Authorization =
  | { ok: true; command: CommandName }
  | { ok: false; code: 403 | 404; message: string; result: "blocked" | "error" };

/** The allowed set for a config (blocked already removed). */
export function allowedCommands(
  config: Pick<OrchestratorConfig, "allowed_commands" | "blocked_commands">,
): ReadonlySet<CommandName> {
  return resolveAllowed(config.allowed_commands, config.blocked_commands);
}

/**
 * Decides whether `command` may run.
 *
 * @example
 * ```ts
 * authorize("shutdown", new Set(["ps"]));
 * // { ok: false, code: 403, message: "Command 'shutdown' not allowed", result: "blocked" }
 * ```
 */
export function authorize(command: string, allowed: ReadonlySet<string>): Authorization {
  if (!isCommandName(command)) {
    return {
      ok: false,
      code: 404,
      message: `Unknown command '${capText(command)}'`,
      result: "error",
    };
  }
  if (!allowed.has(command)) {
    return {
      ok: false,
      code: 403,
      message: `Command '${command}' not allowed`,
      result: "blocked",
    };
  }
  return { ok: true, command };
}
