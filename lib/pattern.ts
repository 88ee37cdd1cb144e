/**
 * User regular expressions (input `pattern`s, `patternProperties`,
 * `readiness.log_pattern`) on a linear-time engine (RE2, through `re2js`),
 * so no pattern and no input can stall the orchestrator: matching costs
 * time proportional to the text, whatever the pattern (see docs/config.md,
 * "Patterns").
 *
 * JavaScript syntax is accepted where RE2 has the same meaning (`\uXXXX`,
 * `(?<name>…)`, `[^]`, `\cX` are translated). What RE2 cannot do in linear
 * time — lookahead, lookbehind, backreferences — is refused with its
 * position, never silently read as something else.
 *
 * @module
 */

import { RE2JS } from "re2js";
import { outsideClasses } from "./regex_walk.ts";

/** A compiled pattern: an unanchored search, like `RegExp.prototype.test`. */
export interface Pattern {
  /** The pattern as written. */
  readonly source: string;
  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean;
}

/** A compiled pattern, or why the pattern is refused. */
export type CompiledPattern =
  | ({ ok: true } & Pattern)
  | {
    ok: false;
    /** True for valid JavaScript the engine does not support; false for a syntax error. */
    unsupported: boolean;
    /** What is wrong, e.g. `lookahead "(?="`. */
    message: string;
    /** UTF-16 offset in the pattern of the part at fault (0-based). */
    offset: number;
  };

/** JavaScript constructs with no linear-time equivalent, found before RE2 sees the pattern. */
interface Construct {
  what: string;
  text: string;
  offset: number;
}

const GROUP_OPENERS: readonly [string, string][] = [
  ["(?<=", "lookbehind"],
  ["(?<!", "negative lookbehind"],
  ["(?=", "lookahead"],
  ["(?!", "negative lookahead"],
];

/** The first lookaround or backreference outside a character class, if any. */
function unsupportedConstruct(source: string): Construct | undefined {
  for (const i of outsideClasses(source)) {
    const ch = source[i];
    const next = source[i + 1] ?? "";
    if (ch === "\\" && next >= "1" && next <= "9") {
      const digits = /^\d+/.exec(source.slice(i + 1))![0];
      return { what: "backreference", text: `\\${digits}`, offset: i };
    }
    if (ch === "\\" && next === "k" && source[i + 2] === "<") {
      return { what: "named backreference", text: "\\k<", offset: i };
    }
    if (ch === "(") {
      for (const [opener, what] of GROUP_OPENERS) {
        if (source.startsWith(opener, i)) return { what, text: opener, offset: i };
      }
    }
  }
  return undefined;
}

/** `text` quoted for a message, shortened with `…` past 60 characters. */
function shortQuote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** Offset of the last `(` left open (outside classes and escapes), or 0. */
function unclosedParen(source: string): number {
  const open: number[] = [];
  for (const i of outsideClasses(source)) {
    if (source[i] === "(") open.push(i);
    else if (source[i] === ")") open.pop();
  }
  return open.at(-1) ?? 0;
}

/**
 * Where RE2's error is: the open `(` for a missing `)`, the end for a
 * trailing backslash, else the fragment its error names.
 */
function errorOffset(source: string, description: string, fragment: string | null): number {
  if (description === "missing closing )") return unclosedParen(source);
  if (description.startsWith("trailing backslash")) return Math.max(0, source.length - 1);
  if (fragment === null) return 0;
  return Math.max(0, source.indexOf(fragment));
}

/**
 * Compiles `source` for the linear-time engine.
 *
 * @example
 * ```ts
 * const p = compilePattern("^(\\w+\\s?)*$");
 * if (p.ok) p.test("a".repeat(40) + "!"); // false, in microseconds
 * compilePattern("a(?=b)");
 * // { ok: false, unsupported: true, message: 'lookahead "(?="', offset: 1 }
 * ```
 */
export function compilePattern(source: string): CompiledPattern {
  const kept = compiled.get(source);
  if (kept !== undefined) return kept;
  const result = compileNow(source);
  if (compiled.size >= COMPILED_KEPT) compiled.clear();
  compiled.set(source, result);
  return result;
}

/** Patterns compiled lately, by source: many agents share one (a config's 5,000 probes). */
const compiled = new Map<string, CompiledPattern>();

/** Most compiled patterns kept (then the memory starts again). */
const COMPILED_KEPT = 256;

/** {@linkcode compilePattern} without the memory (a compiled pattern has no state). */
function compileNow(source: string): CompiledPattern {
  const construct = unsupportedConstruct(source);
  if (construct !== undefined) {
    return {
      ok: false,
      unsupported: true,
      message: `${construct.what} ${JSON.stringify(construct.text)}`,
      offset: construct.offset,
    };
  }
  const translated = RE2JS.translateRegExp(source);
  let re: RE2JS;
  try {
    re = RE2JS.compile(translated);
  } catch (error) {
    const e = error as { error?: unknown; input?: unknown; message?: unknown };
    const description = typeof e.error === "string" ? e.error : String(e.message ?? error);
    // The whole pattern as the fragment says nothing the message does not.
    const fragment = typeof e.input === "string" && e.input !== translated ? e.input : null;
    return {
      ok: false,
      unsupported: false,
      message: fragment === null ? description : `${description} ${shortQuote(fragment)}`,
      offset: errorOffset(source, description, fragment),
    };
  }
  return { ok: true, source, test: (text) => re.test(text) };
}

/**
 * Compiles `source`, throwing an `Error` that names the pattern, the
 * problem and its offset when the engine refuses it.
 *
 * @example
 * ```ts
 * linearPattern("listening on").test("now listening on :8080"); // true
 * ```
 */
export function linearPattern(source: string): Pattern {
  const compiled = compilePattern(source);
  if (compiled.ok) return compiled;
  throw new Error(describePatternError(source, compiled));
}

/**
 * The message for a refused pattern:
 * `Unsupported pattern "a(?=b)": lookahead "(?=" at offset 1`.
 */
export function describePatternError(
  source: string,
  failure: Extract<CompiledPattern, { ok: false }>,
): string {
  const kind = failure.unsupported ? "Unsupported" : "Invalid";
  return `${kind} pattern ${shortQuote(source)}: ${failure.message} at offset ${failure.offset}`;
}
