/**
 * Human output of validation results: one aligned line per result and a
 * summary line. Pure; `validate` and `run` print it.
 *
 * @module
 */

import type { Severity, ValidationResult } from "./types.ts";

/** Options of {@link formatResults}. */
export interface FormatOptions {
  /** ANSI colours (only when stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

/** Counts per severity. */
export interface ResultSummary {
  errors: number;
  warnings: number;
  info: number;
}

const COLORS: Record<Severity, string> = { error: "31", warning: "33", info: "36" };

/** Counts results per severity. */
export function summarize(results: readonly ValidationResult[]): ResultSummary {
  const s = { errors: 0, warnings: 0, info: 0 };
  for (const r of results) {
    if (r.severity === "error") s.errors++;
    else if (r.severity === "warning") s.warnings++;
    else s.info++;
  }
  return s;
}

/** `2 errors, 1 warning, 0 info`. */
export function formatSummary(summary: ResultSummary): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(summary.errors, "error")}, ${
    plural(summary.warnings, "warning")
  }, ${summary.info} info`;
}

/** Replaces control characters so one result stays one line. */
function oneLine(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Formats results, one per line, columns aligned, then the summary:
 *
 * ```text
 * error    agents[1].tool_call_template.command  config.jsonc:14:18  Command "curll" is not on PATH: did you mean "curl"?
 * 1 error, 0 warnings, 0 info
 * ```
 */
export function formatResults(
  results: readonly ValidationResult[],
  path: string,
  options: FormatOptions = {},
): string {
  const rows = results.map((r) => ({
    severity: r.severity,
    field: oneLine(r.field === "" ? "-" : r.field),
    where: oneLine(r.line > 0 ? `${path}:${r.line}:${r.column}` : path),
    message: oneLine(r.message),
  }));
  const fieldWidth = Math.min(60, Math.max(0, ...rows.map((r) => r.field.length)));
  const whereWidth = Math.min(60, Math.max(0, ...rows.map((r) => r.where.length)));
  const lines = rows.map((r) => {
    const sev = r.severity.padEnd(7);
    const severity = options.color === true ? `\x1b[${COLORS[r.severity]}m${sev}\x1b[0m` : sev;
    return `${severity}  ${r.field.padEnd(fieldWidth)}  ${
      r.where.padEnd(whereWidth)
    }  ${r.message}`;
  });
  lines.push(formatSummary(summarize(results)));
  return lines.join("\n");
}
