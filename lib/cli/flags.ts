/**
 * The flags of the client commands: how a command declares them (for its
 * parser, its `--help` and the shell completions), the flags every client
 * command shares, and the checked readers of their values. Parsing is
 * `parseCliArgs` (lib/cli/args.ts), the one parser of every command.
 *
 * @module
 */

import { parseCliArgs } from "./args.ts";
import { UsageError } from "./result.ts";

/** A command-specific flag. */
export interface FlagSpec {
  name: string;
  type: "string" | "boolean";
  help: string;
  /** Placeholder in help, e.g. `N`. */
  value?: string;
  /** A string flag that may repeat (values collected in order). */
  multiple?: boolean;
  /** A one-letter alias, e.g. `f` for `-f`. */
  short?: string;
}

/** Parsed command line. */
export interface ParsedArgs {
  positionals: string[];
  /** Flag name → value; repeated flags → string[]. */
  flags: Record<string, string | boolean | string[]>;
}

/** Flags every client command accepts. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: "socket", type: "string", value: "PATH", help: "Control socket path" },
  {
    name: "config",
    type: "string",
    value: "FILE",
    help: "Take the socket path from this config file",
  },
  { name: "json", type: "boolean", help: "Print the response as JSON, on one line" },
  {
    name: "timeout",
    type: "string",
    value: "S",
    help: "Seconds to wait for the answer (default 60)",
  },
  {
    name: "no-color",
    type: "boolean",
    help: "No colour (also: NO_COLOR=1 or TERM=dumb; FORCE_COLOR=1 forces it)",
  },
  { name: "help", type: "boolean", help: "Show this help (also -h)" },
];

/**
 * Parses `argv` against `specs` with `parseCliArgs`: `--name value`,
 * `--name=value`, `-h`, and `--` to end flags. Unknown flags ("did you
 * mean"), missing and unexpected values throw `UsageError`.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = {};
  for (const spec of specs) {
    options[spec.name] = { type: spec.type };
    if (spec.multiple === true) options[spec.name].multiple = true;
    if (spec.short !== undefined) options[spec.name].short = spec.short;
    if (spec.name === "help") options[spec.name].short = "h";
  }
  const parsed = parseCliArgs({ args: [...argv], options, allowPositionals: true });
  return {
    positionals: parsed.positionals,
    flags: { ...parsed.values } as ParsedArgs["flags"],
  };
}

/** A string flag's value, or `undefined`. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A positive integer flag (UsageError otherwise). */
export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`Flag "--${name}" must be a positive integer, got "${v}"`);
  }
  return n;
}

/** Seconds from `--timeout` (positive number), or `fallback`. */
export function timeoutSeconds(args: ParsedArgs, fallback: number): number {
  const v = stringFlag(args, "timeout");
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`Flag "--timeout" must be a positive number of seconds, got "${v}"`);
  }
  return n;
}

/**
 * Call-time inputs from `--inputs JSON` and repeated `--input key=value`
 * (string values; they win over `--inputs`).
 */
export function inputsFlag(args: ParsedArgs): Record<string, unknown> | undefined {
  let inputs: Record<string, unknown> | undefined;
  const json = stringFlag(args, "inputs");
  if (json !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`Flag "--inputs" is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UsageError(`Flag "--inputs" must be a JSON object`);
    }
    inputs = { ...value as Record<string, unknown> };
  }
  const pairs = args.flags.input;
  if (Array.isArray(pairs)) {
    inputs ??= {};
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`Flag "--input" must be key=value, got "${pair}"`);
      // defineProperty: a key "__proto__" is an input like any other
      Object.defineProperty(inputs, pair.slice(0, eq), {
        value: pair.slice(eq + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return inputs;
}

/** Request options carrying the call-time inputs, if any were given (`start`, `restart`, `call`). */
export function inputsOptions(args: ParsedArgs): Record<string, unknown> {
  const inputs = inputsFlag(args);
  return inputs === undefined ? {} : { inputs };
}

/** The flags for call-time inputs (`start`, `restart`, `call`). */
export const INPUT_FLAGS: readonly FlagSpec[] = [
  { name: "inputs", type: "string", value: "JSON", help: "Call-time inputs as a JSON object" },
  {
    name: "input",
    type: "string",
    value: "KEY=VALUE",
    multiple: true,
    help: "One call-time input (repeatable; string value)",
  },
];
