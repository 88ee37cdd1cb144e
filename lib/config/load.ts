/**
 * Config loading (docs/config.md): JSONC → validation → the typed model with
 * defaults applied, `{user}` expanded and `ORCHESTRATOR_SOCKET_PATH`
 * applied. Never logs and never throws on bad input; the CLI prints.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { OrchestratorConfig, ValidationResult } from "./types.ts";
import { type ConfigInput, currentUser, resolveSocketPath, withDefaults } from "./defaults.ts";
import { parseJsonc } from "./jsonc.ts";
import { parsePermissions } from "./permissions.ts";
import { readConfigText } from "./read.ts";
import { validate } from "./validate.ts";

export { MAX_CONFIG_BYTES } from "./read.ts";

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** Path shown in results and used for nothing else. */
  path?: string;
  /** Environment for `${…}` and `ORCHESTRATOR_SOCKET_PATH`; default `Deno.env`. */
  env?: { get(name: string): string | undefined };
  /** Replaces `{user}` in the socket path; default the running user. */
  user?: string;
  /** Check PATH, directories and files; default true. */
  checkFilesystem?: boolean;
}

/** What loading produced. */
export interface LoadResult {
  /** `null` iff any result is an error. */
  config: OrchestratorConfig | null;
  /** Every finding, sorted by line, then column. */
  results: ValidationResult[];
  /** True when the text is not valid JSONC (the CLI exits 2). */
  parseFailed: boolean;
}

/** Sorts results by position; results without a position come first. */
export function sortResults(results: ValidationResult[]): ValidationResult[] {
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.line - b.r.line || a.r.column - b.r.column || a.i - b.i)
    .map(({ r }) => r);
}

/** The value of a node, leaving out the nodes the structure check ignored. */
function toValue(node: Node, ignored: Set<Node>): unknown {
  switch (node.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (key === undefined || value === undefined || ignored.has(value)) continue;
        Object.defineProperty(out, key.value, {
          value: toValue(value, ignored),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case "array":
      return (node.children ?? []).map((c) => toValue(c, ignored));
    default:
      return node.value;
  }
}

/**
 * Parses, validates and builds the config from JSONC text.
 *
 * @example
 * ```ts
 * const { config, results } = loadConfig('{ "max_workers": 0 }', { checkFilesystem: false });
 * config;             // null
 * results[0].message; // "Value 0 must be at least 1"
 * ```
 */
export function loadConfig(text: string, options: LoadOptions = {}): LoadResult {
  const parsed = parseJsonc(text);
  if (parsed.root === undefined) {
    return { config: null, results: parsed.errors, parseFailed: true };
  }
  const env = options.env ?? Deno.env;
  const user = options.user ?? currentUser(env);
  const { results, structure } = validate(parsed.root, parsed.lines, {
    env,
    user,
    checkFilesystem: options.checkFilesystem ?? true,
  });
  const sorted = sortResults(results);
  if (sorted.some((r) => r.severity === "error")) {
    return { config: null, results: sorted, parseFailed: false };
  }
  const input = toValue(parsed.root, structure.ignored) as Record<string, unknown>;
  const permissions = parsePermissions(input.command_socket_permissions ?? "0600");
  const config = withDefaults({
    ...input,
    command_socket_permissions: permissions.ok ? permissions.mode : undefined,
  } as ConfigInput);
  config.command_socket_path = resolveSocketPath(config.command_socket_path, env, user);
  return { config, results: sorted, parseFailed: false };
}

/**
 * Reads and loads a config file, reading at most {@link MAX_CONFIG_BYTES}
 * from any kind of file (lib/config/read.ts). An unreadable file sets
 * `readError` (and `config: null`).
 */
export async function loadConfigFile(
  path: string,
  options: LoadOptions = {},
): Promise<LoadResult & { readError?: string }> {
  const read = await readConfigText(path);
  if (!read.ok) {
    const readError = `Cannot read config ${JSON.stringify(path)}: ${read.reason}`;
    return {
      config: null,
      results: [{ severity: "error", field: "", message: readError, line: 0, column: 0 }],
      parseFailed: false,
      readError,
    };
  }
  return loadConfig(read.text, { path, ...options });
}
