/**
 * Splitting the text of `/proc/PID/stat` into its fields (proc(5)), shared by
 * containment (lib/containment/proc.ts) and the CPU and memory sampler
 * (lib/resources/usage.ts). Pure.
 *
 * @module
 */

/**
 * The fields of a `/proc/PID/stat` text up to field `last`, indexed by their
 * proc(5) numbers (`fields[1]` the pid, `fields[3]` the state; `fields[0]`
 * and `fields[2]`, the command name, are empty), or `null` when it is not
 * one or has fewer fields. The command name may hold spaces and parentheses,
 * so fields are counted from the last `)`.
 *
 * @example
 * ```ts
 * statFields("42 (a b) S 1 42", 5); // ["", "42", "", "S", "1", "42"]
 * ```
 */
export function statFields(text: string, last: number): string[] | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const rest = text.slice(close + 2).split(" ", last - 2);
  if (rest.length < last - 2) return null;
  return ["", text.slice(0, text.indexOf(" ")), "", ...rest];
}
