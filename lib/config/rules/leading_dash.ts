/**
 * Can a value that an input's JSON Schema accepts start with `-`? Pure and
 * conservative: `true` only when the schema certainly rules a leading `-`
 * out, so an argument made of that value is never read as an option. Used
 * by the option-like placeholder check (docs/config.md, "Checks").
 *
 * @module
 */

import { outsideClasses } from "../../regex_walk.ts";

/** Escapes (after `\`) that never match `-`: digit, word and space classes. */
const SAFE_CLASS_ESCAPES = "dws";
/** Escapes (after `\`) whose class contains `-`. */
const DASH_CLASS_ESCAPES = "DWS";

/** True when `value`, as it would be substituted, cannot start with `-`. */
function valueSafe(value: unknown): boolean {
  if (typeof value === "string") return !value.startsWith("-");
  if (typeof value === "number") return !String(value).startsWith("-");
  return true;
}

/** True when the pattern has a `|` outside any group or class (`^a|-` matches "-x"). */
function topLevelAlternation(source: string): boolean {
  let depth = 0;
  for (const i of outsideClasses(source)) {
    const ch = source[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "|" && depth <= 0) return true;
  }
  return false;
}

/** Members of a character class body, as far as they are known. */
interface ClassScan {
  /** True when `-` is certainly a member. */
  hasDash: boolean;
  /** False when a member is not understood (escape, POSIX class). */
  known: boolean;
  /** Index just past the closing `]`; -1 when the class is not closed. */
  end: number;
}

/** Scans the class whose body starts at `start` (after `[` and any `^`). */
function scanClass(source: string, start: number): ClassScan {
  let hasDash = false;
  let known = true;
  /** Code point of the previous single character, for ranges; null after a class escape. */
  let previous: number | null = null;
  let i = start;
  while (i < source.length && source[i] !== "]") {
    const ch = source[i];
    if (ch === "[" && source[i + 1] === ":") known = false;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      i += 2;
      if (SAFE_CLASS_ESCAPES.includes(next)) {
        previous = null;
      } else if (DASH_CLASS_ESCAPES.includes(next)) {
        hasDash = true;
        previous = null;
      } else if (/^[\p{L}\p{N}]$/u.test(next)) {
        known = false;
        previous = null;
      } else {
        if (next === "-") hasDash = true;
        previous = next.codePointAt(0) ?? null;
      }
      continue;
    }
    const isRange = ch === "-" && previous !== null && i + 1 < source.length &&
      source[i + 1] !== "]";
    if (isRange) {
      const hi = source[i + 1];
      if (hi === "\\") {
        known = false;
        i += 3;
      } else {
        const to = hi.codePointAt(0)!;
        if (previous! <= 0x2d && 0x2d <= to) hasDash = true;
        i += String.fromCodePoint(to).length + 1;
      }
      previous = null;
      continue;
    }
    if (ch === "-") hasDash = true;
    const cp = source.codePointAt(i)!;
    previous = cp;
    i += String.fromCodePoint(cp).length;
  }
  return { hasDash, known, end: i < source.length ? i + 1 : -1 };
}

/**
 * The first atom after `^` at `start`: whether it can never match `-`, and
 * where it ends. `undefined` when unsure (groups, `.`, anchors, unknown escapes).
 */
function firstAtom(source: string, start: number): { end: number } | undefined {
  const ch = source[start];
  if (ch === undefined) return undefined;
  if (ch === "\\") {
    const next = source[start + 1] ?? "";
    if (SAFE_CLASS_ESCAPES.includes(next)) return { end: start + 2 };
    if (next === "-" || /^[\p{L}\p{N}]$/u.test(next) || next === "") return undefined;
    return { end: start + 2 };
  }
  if (ch === "[") {
    const negated = source[start + 1] === "^";
    const scan = scanClass(source, start + (negated ? 2 : 1));
    if (!scan.known || scan.end < 0) return undefined;
    // [^…-…] excludes "-" only when "-" is listed; […] only when it is not.
    return scan.hasDash === negated ? { end: scan.end } : undefined;
  }
  if ("-.()|^$*+?{}]".includes(ch)) return undefined;
  return { end: start + String.fromCodePoint(source.codePointAt(start)!).length };
}

/**
 * True when every string `source` (a JSON Schema `pattern`) matches starts
 * with something other than `-`: it starts with `^`, then a literal, a
 * class or `\d` `\w` `\s` that cannot match `-` and must occur at least once.
 *
 * @example
 * ```ts
 * patternExcludesLeadingDash("^[A-Za-z ]+$"); // true
 * patternExcludesLeadingDash("^\\d+$"); // true
 * patternExcludesLeadingDash("^[a-z-]+$"); // false: "-" is in the class
 * patternExcludesLeadingDash("[a-z]+"); // false: not anchored
 * ```
 */
export function patternExcludesLeadingDash(source: string): boolean {
  if (!source.startsWith("^") || topLevelAlternation(source)) return false;
  const atom = firstAtom(source, 1);
  if (atom === undefined) return false;
  // A quantifier that allows zero occurrences lets the next atom come first.
  return !/^(?:[?*]|\{0+(?:,\d*)?\})/.test(source.slice(atom.end));
}

/**
 * True when no value the JSON Schema `schema` (one property of `inputs`)
 * accepts can start with `-` once substituted: a `const` or `enum` of such
 * values, a boolean, a number with a minimum ≥ 0, or a string whose
 * `pattern` rules it out ({@link patternExcludesLeadingDash}).
 */
export function schemaExcludesLeadingDash(schema: unknown): boolean {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return false;
  const s = schema as Record<string, unknown>;
  if (Object.hasOwn(s, "const")) return valueSafe(s.const);
  if (Array.isArray(s.enum)) return s.enum.every(valueSafe);
  if (s.type === "boolean") return true;
  if (s.type === "integer" || s.type === "number") {
    const min = typeof s.minimum === "number" ? s.minimum : s.exclusiveMinimum;
    return typeof min === "number" && min >= 0;
  }
  return s.type === "string" && typeof s.pattern === "string" &&
    patternExcludesLeadingDash(s.pattern);
}
