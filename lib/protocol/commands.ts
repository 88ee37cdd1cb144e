/**
 * Command names and the `allowed_commands` presets (docs/protocol.md,
 * docs/config.md). Shared by the config validator, the control server and
 * the CLI, so all agree on one list.
 *
 * @module
 */

/** Every command the control socket knows, in documentation order. */
export const COMMAND_NAMES = [
  "ps",
  "status",
  "stats",
  "history",
  "report",
  "subscribe",
  "start",
  "stop",
  "restart",
  "pause",
  "resume",
  "signal",
  "logs",
  "call",
  "reload",
  "shutdown",
] as const;

/** A command the control socket knows. */
export type CommandName = typeof COMMAND_NAMES[number];

/** Preset names accepted by `allowed_commands`. */
export type PresetName = "basic" | "monitoring" | "control" | "all";

const BASIC: readonly CommandName[] = ["ps", "status"];
const MONITORING: readonly CommandName[] = [...BASIC, "stats", "history", "report", "subscribe"];
/** Commands that change agents (the `control` preset adds these and `logs`). */
const AGENT_CONTROL: readonly CommandName[] = [
  "start",
  "stop",
  "restart",
  "pause",
  "resume",
  "signal",
  "call",
];
const CONTROL: readonly CommandName[] = [...MONITORING, ...AGENT_CONTROL, "logs", "reload"];

/** What each preset allows. `all` includes `shutdown`. */
export const PRESETS: Readonly<Record<PresetName, readonly CommandName[]>> = {
  basic: BASIC,
  monitoring: MONITORING,
  control: CONTROL,
  all: COMMAND_NAMES,
};

/** Commands that change agents or the orchestrator (used for permission warnings). */
export const CONTROL_COMMANDS: readonly CommandName[] = [...AGENT_CONTROL, "reload", "shutdown"];

/**
 * Commands answered only once their events are committed (docs/events.md,
 * "Durability"): the ones that change agents or the orchestrator, i.e.
 * every entry of {@linkcode CONTROL_COMMANDS}.
 */
export const STATE_CHANGING_COMMANDS: ReadonlySet<string> = new Set(CONTROL_COMMANDS);

/** True when `name` is a known command. */
export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/** True when `name` is a preset name. */
export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/**
 * Resolves an `allowed_commands` value to the set of allowed commands, minus
 * `blocked` (blocked always wins). Unknown names are ignored here; the
 * validator reports them.
 *
 * @example
 * ```ts
 * resolveAllowed("monitoring", ["history"]); // Set {ps, status, stats, report}
 * resolveAllowed(null, []);                  // every command
 * ```
 */
export function resolveAllowed(
  allowed: PresetName | readonly string[] | null,
  blocked: readonly string[],
): ReadonlySet<CommandName> {
  const base: readonly string[] = allowed === null
    ? COMMAND_NAMES
    : typeof allowed === "string"
    ? PRESETS[allowed]
    : allowed;
  const out = new Set<CommandName>();
  for (const name of base) {
    if (isCommandName(name) && !blocked.includes(name)) out.add(name);
  }
  return out;
}
