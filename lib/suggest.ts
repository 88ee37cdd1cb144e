/**
 * "Did you mean …" suggestions: the closest candidate by edit distance, when
 * it is close enough to be a likely typo. Shared by the config validator
 * (unknown keys, agent names) and the CLI (commands, flags, agent names);
 * imports nothing.
 *
 * @module
 */

/** Longest word compared; longer input gets no suggestion (keeps it bounded). */
const MAX_LENGTH = 64;

/**
 * Levenshtein distance with adjacent transpositions counted as one edit
 * (optimal string alignment). Stops early and returns `limit + 1` once the
 * distance must exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2] + 1);
      }
      row.push(d);
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word`, or `undefined` when none is a likely typo
 * (distance at most 2, and at most a third of the word's length, rounded up;
 * a case-only difference always counts).
 *
 * @example
 * ```ts
 * suggest("comand_timeout", ["command_timeout", "max_workers"]); // "command_timeout"
 * ```
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length === 0 || word.length > MAX_LENGTH) return undefined;
  const lower = word.toLowerCase();
  const limit = Math.min(2, Math.max(1, Math.ceil(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `: did you mean "x"?` for a suggestion, or `""` for none. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? "" : `: did you mean ${JSON.stringify(s)}?`;
}
