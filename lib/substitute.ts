/**
 * `${name}` substitution in template strings (docs/config.md,
 * "Substitution"). Pure: the caller supplies the lookup. A value is inserted
 * as is, within the one string it appears in, so one argument stays one
 * argument. `$${` writes a literal `${`. Shared by the config validator
 * (which lists the names) and the agent's template (which fills them in).
 *
 * @module
 */

/** Placeholder syntax: `${name}` with a name of letters, digits, `_`, `.` and `-`. */
const PLACEHOLDER = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** Result of a substitution: the text, or the names that did not resolve. */
export type SubstituteResult =
  | { ok: true; text: string }
  | { ok: false; missing: string[] };

/**
 * Names referenced by `text`, in order of appearance, without duplicates.
 *
 * @example
 * ```ts
 * placeholders("https://x/${city}?k=${KEY}&c=${city}"); // ["city", "KEY"]
 * ```
 */
export function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match[1] === "$") continue;
    if (!names.includes(match[2])) names.push(match[2]);
  }
  return names;
}

/**
 * Replaces every `${name}` with `lookup(name)`. When any name resolves to
 * `undefined` the result lists every missing name instead; nothing is ever
 * left as a literal `${x}`.
 *
 * @example
 * ```ts
 * substitute("-q=${city}", (n) => ({ city: "Paris; rm -rf /" })[n]);
 * // { ok: true, text: "-q=Paris; rm -rf /" }
 * ```
 */
export function substitute(
  text: string,
  lookup: (name: string) => string | undefined,
): SubstituteResult {
  const missing: string[] = [];
  const out = text.replace(PLACEHOLDER, (_all, escape: string, name: string) => {
    if (escape === "$") return `\${${name}}`;
    const value = lookup(name);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return "";
    }
    return value;
  });
  return missing.length > 0 ? { ok: false, missing } : { ok: true, text: out };
}

/**
 * Turns a value from inputs or `values` into the string that is substituted:
 * strings as they are, numbers and booleans with `String`, anything else as JSON.
 */
export function valueToString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
