/**
 * Walking the source of a regular expression outside its character classes:
 * the one walk behind the pattern checks of lib/pattern.ts and the config's
 * leading-dash check (docs/config.md, "Patterns"). Pure.
 *
 * @module
 */

/**
 * The offsets of `source` outside character classes, in order: each a plain
 * character, or a `\` whose escaped character is skipped. Classes (`[` to the
 * first unescaped `]`) are skipped whole, brackets included.
 *
 * @example
 * ```ts
 * [...outsideClasses("a[b)]\\(c")]; // [0, 5, 7]: "a", "\", "c"
 * ```
 */
export function* outsideClasses(source: string): Generator<number> {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") {
      if (!inClass) yield i;
      i++;
    } else if (inClass) inClass = ch !== "]";
    else if (ch === "[") inClass = true;
    else yield i;
  }
}
