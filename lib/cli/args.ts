/**
 * The one flag parser of every command: `node:util` `parseArgs`, with one
 * error style. A bad command line throws `UsageError` (exit 2, `cli.ts`
 * adds `Run 'orchestrator <command> --help' for usage.`):
 *
 * - `Unknown flag "--jsn": did you mean "--json"?`
 * - `Flag "--socket" needs a value`
 * - `Flag "--json" takes no value`
 * - `Unexpected argument "x"`
 *
 * The command line is first read as tokens (non-strict), which gives each
 * problem with the flag as typed; only a clean line is then parsed by
 * `parseArgs` itself (strict unless `config` says otherwise), so callers
 * get its typed values.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "../suggest.ts";
import { UsageError } from "./result.ts";

/** What `parseArgs` declares for one flag. */
type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string];

/**
 * `parseArgs(config)`, strict: an unknown flag, a missing or unexpected
 * value, or a positional argument where none is allowed throws `UsageError`.
 *
 * @example
 * ```ts
 * const { values } = parseCliArgs({ args: ["--json"], options: { json: { type: "boolean" } } });
 * // values.json === true
 * ```
 */
export function parseCliArgs<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  checkCommandLine(config);
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Every spelling of the declared flags: `--name` and `-s` for a short alias. */
function flagSpellings(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).flatMap(([name, spec]) =>
    spec.short === undefined ? [`--${name}`] : [`--${name}`, `-${spec.short}`]
  );
}

/** Throws the `UsageError` of the first problem of `config.args`, if any. */
function checkCommandLine(config: ParseArgsConfig): void {
  const options = (config.options ?? {}) as Record<string, OptionSpec>;
  const args = config.args ?? [];
  const allowPositionals = config.allowPositionals ?? config.strict === false;
  let tokens;
  try {
    tokens = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true }).tokens;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (!allowPositionals) throw new UsageError(`Unexpected argument "${token.value}"`);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) {
      // "-json" is read as "-j -s -o -n": name the whole argument, which is what was mistyped.
      const typed = token.rawName.startsWith("--") ? token.rawName : args[token.index];
      const flag = typed.split("=")[0];
      // "-x" is one letter off every other letter: no suggestion for a short flag
      const hint = /^-[^-]$/.test(flag) ? "" : didYouMean(flag, flagSpellings(options));
      throw new UsageError(`Unknown flag ${JSON.stringify(flag)}${hint}`);
    }
    if (spec.type === "boolean" && token.inlineValue === true) {
      throw new UsageError(`Flag "${token.rawName}" takes no value`);
    }
    if (spec.type === "string") {
      if (token.value === undefined) {
        throw new UsageError(`Flag "${token.rawName}" needs a value`);
      }
      if (token.inlineValue === false && token.value.startsWith("-") && token.value !== "-") {
        throw new UsageError(
          `Flag "${token.rawName}" needs a value, got the flag-like ${
            JSON.stringify(token.value)
          }: write ${token.rawName}=VALUE for a value that starts with "-"`,
        );
      }
    }
  }
}

/** The one positional `FILE` argument (`noun` names it in the message); else `UsageError`. */
export function oneFile(positionals: readonly string[], noun: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `Missing the ${noun}`
        : `Expected one ${noun}, got ${positionals.length}`,
    );
  }
  return positionals[0];
}
