/**
 * Targets of the agent commands (`restart web worker`, `stop all`,
 * `restart 'web-*'`, `start group:backend`), resolved against a `ps`
 * answer: pure functions, no I/O. docs/operations.md describes them.
 *
 * @module
 */

import { didYouMean } from "../suggest.ts";

/** What resolution needs of a `ps` row. */
export interface AgentRow {
  name: string;
  /** The agent's `group` in the config; absent from older orchestrators' answers. */
  group?: string | null;
}

/** A target resolved to one agent, or a failure that sends no request. */
export type ResolvedTarget =
  | { target: string; agent: string }
  | { target: string; code: number; error: string };

/** The outcome of one target, as `--json` prints it. */
export type TargetResult =
  | { target: string; status: "success"; data: unknown }
  | { target: string; status: "error"; code: number; error: string };

const NAME = /^[A-Za-z0-9_.-]+$/;
const GLOB = /^[A-Za-z0-9_.\-*?[\]!^]+$/;
const GROUP_PREFIX = "group:";

/** True when `target` has a glob character (`*`, `?`, `[`). */
export function isGlob(target: string): boolean {
  return /[*?[]/.test(target);
}

/**
 * The anchored expression of a glob: `*` any run of characters, `?` one,
 * `[abc]`, `[a-z]` and `[!a]` (or `[^a]`) a class; anything else literal.
 * An unclosed `[` is literal.
 */
export function globPattern(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[" && glob.indexOf("]", i + 2) > i) {
      const end = glob.indexOf("]", i + 2);
      let body = glob.slice(i + 1, end);
      const negated = body[0] === "!" || body[0] === "^";
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** The agents a pattern target selects, in `ps` order, or the failure. */
function select(
  target: string,
  rows: readonly AgentRow[],
): string[] | { code: number; error: string } {
  if (target === "all") {
    return rows.length > 0 ? rows.map((r) => r.name) : { code: 404, error: "No agents" };
  }
  if (target.startsWith(GROUP_PREFIX)) {
    const group = target.slice(GROUP_PREFIX.length);
    const names = rows.filter((r) => r.group === group).map((r) => r.name);
    if (names.length > 0) return names;
    const groups = new Set(rows.flatMap((r) => typeof r.group === "string" ? [r.group] : []));
    return {
      code: 404,
      error: `Unknown group ${JSON.stringify(group)}${didYouMean(group, groups)}`,
    };
  }
  const pattern = globPattern(target);
  const names = rows.filter((r) => pattern.test(r.name)).map((r) => r.name);
  return names.length > 0
    ? names
    : { code: 404, error: `No agent matches ${JSON.stringify(target)}` };
}

/** Why a target is not one: `undefined` for an agent name, a glob, `group:NAME` or `all`. */
export function targetProblem(target: string): string | undefined {
  if (target === "all" || NAME.test(target)) return undefined;
  if (target.startsWith(GROUP_PREFIX) && NAME.test(target.slice(GROUP_PREFIX.length))) {
    return undefined;
  }
  if (isGlob(target) && GLOB.test(target)) return undefined;
  return `Invalid target ${
    JSON.stringify(target)
  }: give an agent name, a glob ('web-*'), group:NAME or all`;
}

/**
 * Resolves `targets` in order against the `ps` rows (`null` when `ps`
 * failed: names are then sent as they are, patterns fail with `psError`).
 * An agent selected twice is resolved once, where it is first selected.
 *
 * @example
 * ```ts
 * resolveTargets(["web-*", "wbe"], [{ name: "web-1" }, { name: "web" }]);
 * // [{ target: "web-*", agent: "web-1" },
 * //  { target: "wbe", code: 404, error: 'Unknown agent "wbe": did you mean "web"?' }]
 * ```
 */
export function resolveTargets(
  targets: readonly string[],
  rows: readonly AgentRow[] | null,
  psError: { code: number; error: string } = { code: 500, error: "No agent list" },
): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  const seen = new Set<string>();
  const add = (target: string, agent: string) => {
    if (seen.has(agent)) return;
    seen.add(agent);
    out.push({ target, agent });
  };
  const names = rows?.map((r) => r.name) ?? [];
  for (const target of targets) {
    const problem = targetProblem(target);
    if (problem !== undefined) {
      out.push({ target, code: 400, error: problem });
    } else if (target !== "all" && NAME.test(target)) {
      if (rows === null || names.includes(target)) add(target, target);
      else {
        out.push({
          target,
          code: 404,
          error: `Unknown agent ${JSON.stringify(target)}${didYouMean(target, names)}`,
        });
      }
    } else if (rows === null) {
      out.push({
        target,
        code: psError.code,
        error: `Cannot resolve ${JSON.stringify(target)}: ${psError.error}`,
      });
    } else {
      const selected = select(target, rows);
      if (Array.isArray(selected)) { for (const agent of selected) add(target, agent); }
      else out.push({ target, ...selected });
    }
  }
  return out;
}

/**
 * The output of several targets: `--json` one line
 * `{"results":[…]}`; else one line per target, successes (`line(data)`) on
 * stdout and failures (`Error 404: …`) on stderr. Exit 1 if any failed.
 */
export function renderResults(
  results: readonly TargetResult[],
  json: boolean,
  line: (data: unknown) => string,
): { exitCode: number; stdout?: string; stderr?: string } {
  const failed = results.some((r) => r.status === "error");
  const exitCode = failed ? 1 : 0;
  if (json) return { exitCode, stdout: JSON.stringify({ results }) };
  const stdout: string[] = [];
  const stderr: string[] = [];
  for (const r of results) {
    if (r.status === "success") stdout.push(line(r.data));
    else stderr.push(`Error ${r.code}: ${r.error}`);
  }
  return {
    exitCode,
    stdout: stdout.length > 0 ? stdout.join("\n") : undefined,
    stderr: stderr.length > 0 ? stderr.join("\n") : undefined,
  };
}
