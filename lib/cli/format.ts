/**
 * Pure formatting for the client commands: aligned tables, optional colour,
 * durations. No I/O; whether colour is on is decided by the caller
 * (`colorEnabled`: a TTY and no `NO_COLOR`).
 *
 * @module
 */

/** Output settings. */
export interface FormatOptions {
  color: boolean;
}

const CODES = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;

/** A colour name. */
export type Color = keyof typeof CODES;

/** Wraps `text` in an ANSI colour when `on`. */
export function paint(text: string, color: Color, on: boolean): string {
  if (!on) return text;
  const [open, close] = CODES[color];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

/** Colour of an agent state. */
export function stateColor(state: string): Color {
  switch (state) {
    case "running":
    case "ready":
    case "completed":
      return "green";
    case "failed":
    case "fatal":
      return "red";
    case "backoff":
    case "stopping":
    case "starting":
    case "paused":
      return "yellow";
    default:
      return "dim";
  }
}

/** Visible width of a string, ignoring ANSI colour codes. */
export function visibleWidth(text: string): number {
  if (!text.includes("\x1b")) return text.length; // no colour: no regex to compile
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/**
 * Renders rows as an aligned table with a header row. Cells may contain
 * colour codes; the last column is not padded.
 *
 * @example
 * ```ts
 * table(["NAME", "STATE"], [["web", "running"]]);
 * // "NAME  STATE\nweb   running"
 * ```
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? "")))
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) =>
      i === cells.length - 1 ? cell : cell + " ".repeat(widths[i] - visibleWidth(cell))
    ).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Renders `key: value` lines with the keys aligned. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ":").padEnd(width + 1)} ${v}`).join("\n");
}

/** Seconds as a short duration: `42s`, `3m07s`, `2h05m`, `3d04h`; `-` for null. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "-";
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

/** A value for a table cell: `-` for null/undefined, JSON for objects. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * True when colour should be used on `stream` (stdout by default): a terminal
 * and no `NO_COLOR` in the environment (SPEC §7: never with `NO_COLOR`).
 */
export function colorEnabled(
  stream: { isTerminal(): boolean } = Deno.stdout,
): boolean {
  if (Deno.env.get("NO_COLOR") !== undefined) return false;
  try {
    return stream.isTerminal();
  } catch {
    return false;
  }
}
