/**
 * Which commands a connection may run (docs/protocol.md, "Authorization
 * order"). Pure: the server builds the allowed set and the compiled command
 * policies once from the config, asks {@link allowedFor} once per caller
 * and {@link authorize} per request.
 *
 * Order of checks: an unknown command is 404 whether or not it is listed,
 * because the list of commands is public and a 404 tells the caller about a
 * typo; a known command that is not in the caller's allowed set — not
 * whitelisted, or blocked (the global `blocked_commands` always wins) — is
 * 403. A verified caller's allowed set is that of the first
 * `command_policies` entry naming its user or one of its groups, else the
 * global one (docs/systemd.md, "Per-user and per-group policy").
 *
 * @module
 */

import { type CommandName, isCommandName, resolveAllowed } from "../protocol/commands.ts";
import type { CommandPolicy, OrchestratorConfig } from "../config/types.ts";
import type { Caller } from "./identity.ts";
import { groupId } from "../users.ts";
import { capText } from "../text_cap.ts";

/** The decision for one command name. */
export type Authorization =
  | { ok: true; command: CommandName }
  | { ok: false; code: 403 | 404; message: string; result: "blocked" | "error" };

/** A `command_policies` entry ready to match callers against. */
export interface CompiledPolicy {
  uids: ReadonlySet<number>;
  users: ReadonlySet<string>;
  /** Groups named in the entry, as gids (names unknown to `/etc/group` match nothing). */
  gids: ReadonlySet<number>;
  /** What a matching caller may run; the global blocked commands already removed. */
  allowed: ReadonlySet<CommandName>;
}

/** The allowed set for a config (blocked already removed). */
export function allowedCommands(
  config: Pick<OrchestratorConfig, "allowed_commands" | "blocked_commands">,
): ReadonlySet<CommandName> {
  return resolveAllowed(config.allowed_commands, config.blocked_commands);
}

/**
 * Compiles `command_policies`: group names become gids (through
 * `resolveGroup`, by default `/etc/group`), and each entry's allowed set
 * loses its own blocked commands and the global ones.
 */
export function compilePolicies(
  config: Pick<OrchestratorConfig, "command_policies" | "blocked_commands">,
  resolveGroup: (name: string) => number | undefined = groupId,
): CompiledPolicy[] {
  return config.command_policies.map((policy: CommandPolicy) => {
    const gids = new Set<number>();
    for (const g of policy.groups) {
      const gid = typeof g === "number" ? g : resolveGroup(g);
      if (gid !== undefined) gids.add(gid);
    }
    return {
      uids: new Set(policy.users.filter((u): u is number => typeof u === "number")),
      users: new Set(policy.users.filter((u): u is string => typeof u === "string")),
      gids,
      allowed: resolveAllowed(policy.allowed_commands, [
        ...policy.blocked_commands,
        ...config.blocked_commands,
      ]),
    };
  });
}

/** The first policy naming `caller` (by uid, user name, gid or a supplementary group), or null. */
export function matchPolicy(
  caller: Caller,
  policies: readonly CompiledPolicy[],
): CompiledPolicy | null {
  for (const policy of policies) {
    if (policy.uids.has(caller.uid) || policy.users.has(caller.user)) return policy;
    if (policy.gids.size > 0 && caller.groups.some((g) => policy.gids.has(g))) return policy;
  }
  return null;
}

/**
 * What `caller` may run: the first matching policy's set for a verified
 * caller, else `fallback` (the global set). An unverified caller
 * (`undefined`) never matches a policy.
 *
 * @example
 * ```ts
 * const policies = compilePolicies({ blocked_commands: [], command_policies: [
 *   { users: ["alice"], groups: [], allowed_commands: "control", blocked_commands: [] }] });
 * allowedFor(alice, policies, allowedCommands(config)); // the "control" preset
 * ```
 */
export function allowedFor(
  caller: Caller | undefined,
  policies: readonly CompiledPolicy[],
  fallback: ReadonlySet<string>,
): ReadonlySet<string> {
  if (caller === undefined || policies.length === 0) return fallback;
  return matchPolicy(caller, policies)?.allowed ?? fallback;
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
