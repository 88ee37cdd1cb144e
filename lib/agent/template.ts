/**
 * UTCP `cli` call template → what to spawn (docs/config.md). Pure: the caller hands
 * in the inputs, the `values` and an environment lookup.
 *
 * - `${name}` resolves from call-time inputs, then `values`, then the
 *   orchestrator's environment; an unresolved name is an error, never a
 *   literal `${x}` passed on.
 * - `shell: false`: `command` and each arg are substituted on their own, so
 *   one argument stays one argument.
 * - `shell: true`: `command` is shell text run by `/bin/sh -c`. A value is
 *   never pasted into that text: each placeholder becomes a reference to an
 *   environment variable (`ORCH_VALUE_<name>`) that holds the value, quoted
 *   for the spot it appears in (outside quotes `"${ORCH_VALUE_x}"`, inside
 *   double quotes `${ORCH_VALUE_x}`, inside single quotes `'"${ORCH_VALUE_x}"'`).
 *   The shell expands a variable once and never runs what it contains.
 *   `args` are substituted and handed over as positional parameters (`"$@"`).
 * - A value with a NUL byte cannot be passed in argv or the environment: error.
 *
 * @module
 */

import type { CliCallTemplate } from "../config/types.ts";
import { substitute, valueToString } from "../substitute.ts";

/** Where `${name}` values come from, in order. */
export interface TemplateSources {
  /** Call-time inputs (`start`/`call`). */
  inputs?: Record<string, unknown>;
  /** The agent's `values`. */
  values: Record<string, unknown>;
  /** The orchestrator's environment. */
  env: (name: string) => string | undefined;
}

/** What to spawn. */
export interface ResolvedCommand {
  /** Program (looked up on PATH by the spawner). */
  command: string;
  args: string[];
  /** Variables layered over the orchestrator's environment. */
  env: Record<string, string>;
  /** `null` = the orchestrator's working directory. */
  cwd: string | null;
}

/** Result of {@link resolveTemplate}. */
export type ResolveResult =
  | { ok: true; value: ResolvedCommand }
  | { ok: false; reason: string };

/** The shell used for `shell: true`. */
export const SHELL = "/bin/sh";

/** Placeholder, matched at a position (sticky). Same syntax as `substitute.ts`. */
const PLACEHOLDER_AT = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_.-]*)\}/y;

/**
 * Resolves a template into argv, environment and working directory.
 *
 * @example
 * ```ts
 * const r = resolveTemplate(
 *   { call_template_type: "cli", command: "echo", args: ["${city}"], working_directory: null,
 *     environment: {}, timeout: null, shell: false, capture_output: true },
 *   { values: { city: "Paris; rm -rf x" }, env: () => undefined },
 * );
 * // r.ok && r.value.args → ["Paris; rm -rf x"]
 * ```
 */
export function resolveTemplate(
  template: CliCallTemplate,
  sources: TemplateSources,
  agentName = "agent",
): ResolveResult {
  const missing: string[] = [];
  const lookup = (name: string): string | undefined => {
    if (sources.inputs !== undefined && Object.hasOwn(sources.inputs, name)) {
      const v = valueToString(sources.inputs[name]);
      if (v !== undefined) return v;
    }
    if (Object.hasOwn(sources.values, name)) {
      const v = valueToString(sources.values[name]);
      if (v !== undefined) return v;
    }
    return sources.env(name);
  };
  const sub = (text: string): string => {
    const r = substitute(text, lookup);
    if (r.ok) return r.text;
    for (const m of r.missing) if (!missing.includes(m)) missing.push(m);
    return "";
  };

  const args = template.args.map(sub);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(template.environment)) env[key] = sub(value);
  const cwd = template.working_directory === null ? null : sub(template.working_directory);

  let command: string;
  let argv: string[];
  if (template.shell) {
    const shell = shellText(template.command, lookup, missing);
    for (const [name, value] of shell.vars) env[name] = value;
    command = SHELL;
    argv = ["-c", args.length > 0 ? `${shell.text} "$@"` : shell.text, agentName, ...args];
  } else {
    command = sub(template.command);
    argv = args;
  }

  if (missing.length > 0) {
    const list = missing.map((m) => `"\${${m}}"`).join(", ");
    return {
      ok: false,
      reason: `Unresolved ${missing.length === 1 ? "placeholder" : "placeholders"} ${list}: ` +
        "not in the call-time inputs, the agent's values or the environment",
    };
  }
  const nul = findNul(command, argv, env, cwd);
  if (nul !== null) return { ok: false, reason: nul };
  if (command === "") return { ok: false, reason: "The command is empty after substitution" };
  return { ok: true, value: { command, args: argv, env, cwd } };
}

/** Turns a placeholder name into the environment variable that carries its value. */
export function valueVarName(name: string): string {
  return `ORCH_VALUE_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/**
 * Rewrites shell text so every `${name}` becomes a quoted reference to an
 * environment variable, and returns the variables to set. Tracks single and
 * double quotes and backslashes to quote each reference for its spot.
 */
export function shellText(
  text: string,
  lookup: (name: string) => string | undefined,
  missing: string[] = [],
): { text: string; vars: Map<string, string> } {
  const vars = new Map<string, string>();
  const varFor = new Map<string, string>();
  let out = "";
  let quote: "none" | "single" | "double" = "none";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "$") {
      PLACEHOLDER_AT.lastIndex = i;
      const m = PLACEHOLDER_AT.exec(text);
      if (m !== null) {
        i += m[0].length;
        if (m[1] === "$") {
          out += `\${${m[2]}}`;
          continue;
        }
        const value = lookup(m[2]);
        if (value === undefined) {
          if (!missing.includes(m[2])) missing.push(m[2]);
          continue;
        }
        let v = varFor.get(m[2]);
        if (v === undefined) {
          v = valueVarName(m[2]);
          while (vars.has(v)) v += "_";
          varFor.set(m[2], v);
          vars.set(v, value);
        }
        out += quote === "none" ? `"\${${v}}"` : quote === "double" ? `\${${v}}` : `'"\${${v}}"'`;
        continue;
      }
    }
    if (ch === "\\" && quote !== "single" && i + 1 < text.length) {
      out += ch + text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "'" && quote !== "double") quote = quote === "single" ? "none" : "single";
    else if (ch === '"' && quote !== "single") quote = quote === "double" ? "none" : "double";
    out += ch;
    i++;
  }
  return { text: out, vars };
}

function findNul(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string | null,
): string | null {
  const where = (field: string) => `Cannot pass ${field} to the process: it contains a NUL byte`;
  if (command.includes("\0")) return where("the command");
  const i = args.findIndex((a) => a.includes("\0"));
  if (i >= 0) return where(`argument ${i + 1}`);
  for (const [key, value] of Object.entries(env)) {
    if (value.includes("\0")) return where(`environment variable "${key}"`);
  }
  if (cwd !== null && cwd.includes("\0")) return where("the working directory");
  return null;
}
