/**
 * Whole-process timing of a CLI call: hyperfine (`-N`, no shell) when it is
 * on PATH, else the bench's own repeated spawn-and-wait timing.
 *
 * @module
 */

import { onPath, runChecked, runCommand } from "./child.ts";
import { median } from "./percentiles.ts";

/** Timing of one command line, in ms. */
export interface CliTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  runs: number;
  /** "hyperfine" or "own timing". */
  tool: string;
}

/** Reads hyperfine's `--export-json` text (pure; seconds → ms). */
export function parseHyperfineJson(text: string): CliTiming {
  const doc = JSON.parse(text) as { results?: Record<string, unknown>[] };
  const r = doc.results?.[0];
  if (r === undefined) throw new SyntaxError("Cannot read hyperfine JSON: no results");
  const num = (key: string): number => {
    const v = r[key];
    if (typeof v !== "number") throw new SyntaxError(`Cannot read hyperfine JSON: no "${key}"`);
    return v * 1000;
  };
  const times = Array.isArray(r.times) ? r.times.length : 0;
  return {
    medianMs: num("median"),
    minMs: num("min"),
    maxMs: num("max"),
    meanMs: num("mean"),
    runs: times,
    tool: "hyperfine",
  };
}

/** Quotes one argv word for hyperfine's command-line splitting (pure). */
export function quoteWord(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Times `argv` as a whole process `runs` times after `warmup` runs. Each run
 * must exit 0, else it throws.
 */
export async function timeCli(
  argv: string[],
  options: {
    runs: number;
    warmup: number;
    env?: Record<string, string>;
    jsonPath: string;
    /** Default: when hyperfine is on PATH. */
    hyperfine?: boolean;
  },
): Promise<CliTiming> {
  const env = options.env;
  if (options.hyperfine ?? onPath("hyperfine") !== null) {
    await runChecked([
      "hyperfine",
      "-N",
      "--warmup",
      String(options.warmup),
      "--runs",
      String(options.runs),
      "--style",
      "none",
      "--export-json",
      options.jsonPath,
      argv.map(quoteWord).join(" "),
    ], { timeoutMs: 300_000, env });
    return parseHyperfineJson(await Deno.readTextFile(options.jsonPath));
  }
  const times: number[] = [];
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const t = performance.now();
    const r = await runCommand(argv, { timeoutMs: 30_000, env });
    const ms = performance.now() - t;
    if (r.code !== 0) {
      throw new Error(`Command "${argv.join(" ")}" exited ${r.code}: ${r.stderr.slice(-300)}`);
    }
    if (i >= options.warmup) times.push(ms);
  }
  return {
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    runs: times.length,
    tool: "own timing",
  };
}
