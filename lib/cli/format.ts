/**
 * Pure formatting for the client commands: aligned tables cut to the
 * terminal's width, optional colour, durations, `key=value` data. No I/O
 * but reading the environment in `colorEnabled` and `terminalWidth`, which
 * the caller asks once per command.
 *
 * @module
 */

/** Output settings. */
export interface FormatOptions {
  color: boolean;
  /** Columns a line may take (tables are cut to fit); `undefined` for no limit. */
  width?: number;
}

/** The environment variables the output settings read. */
export interface Env {
  get(name: string): string | undefined;
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

/** The narrowest a column is cut to (seven characters and the ellipsis). */
const MIN_CUT_WIDTH = 8;

/** Spaces between two columns. */
const GAP = 2;

/**
 * Column widths cut so that a line fits in `max` columns: the widest column
 * is cut first, by as much as the line is too long but to no fewer than
 * eight characters; if the line is still too long, the widest of the others,
 * and so on (a line of many columns may still overflow).
 *
 * @example
 * ```ts
 * fitWidths([24, 16, 6, 60], 80); // [24, 16, 6, 28]
 * ```
 */
export function fitWidths(widths: readonly number[], max: number | undefined): number[] {
  const out = [...widths];
  if (max === undefined) return out;
  let excess = out.reduce((a, b) => a + b, 0) + GAP * Math.max(0, out.length - 1) - max;
  while (excess > 0) {
    let widest = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i] > MIN_CUT_WIDTH && (widest < 0 || out[i] > out[widest])) widest = i;
    }
    if (widest < 0) break;
    const cut = Math.min(excess, out[widest] - MIN_CUT_WIDTH);
    out[widest] -= cut;
    excess -= cut;
  }
  return out;
}

/** `text` cut to `width` visible characters, ending in `…` when cut (colour is then dropped). */
export function cutText(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  // deno-lint-ignore no-control-regex
  const plain = text.includes("\x1b") ? text.replace(/\x1b\[[0-9;]*m/g, "") : text;
  let end = Math.max(0, width - 1);
  const last = plain.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  return plain.slice(0, end) + "…";
}

/**
 * Renders rows as an aligned table with a header row, each line at most
 * `width` columns when given (see {@link fitWidths}: the widest column is
 * cut with `…`). Cells may contain colour codes; the last column is not
 * padded.
 *
 * @example
 * ```ts
 * table(["NAME", "STATE"], [["web", "running"]]);
 * // "NAME  STATE\nweb   running"
 * table(["NAME", "STATE"], [["a-very-long-name", "running"]], 18);
 * // "NAME       STATE\na-very-l…  running" (NAME cut to 9 columns)
 * ```
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  width?: number,
): string {
  const natural = headers.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? "")))
  );
  const widths = fitWidths(natural, width);
  const line = (cells: readonly string[]) =>
    cells.map((raw, i) => {
      const cell = widths[i] < natural[i] ? cutText(raw, widths[i]) : raw;
      return i === cells.length - 1 ? cell : cell + " ".repeat(widths[i] - visibleWidth(cell));
    }).join(" ".repeat(GAP)).trimEnd();
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

/**
 * Bytes in binary units with one decimal below 10: `512B`, `1.5K`, `12M`,
 * `2.0G`; `-` for null.
 *
 * @example
 * ```ts
 * bytes(13_000_000); // "12M"
 * ```
 */
export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value) || value < 0) return "-";
  if (value < 1024) return `${Math.round(value)}B`;
  const units = ["K", "M", "G", "T"];
  let n = value / 1024;
  let unit = 0;
  while (n >= 1023.95 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n < 9.95 ? n.toFixed(1) : Math.round(n)}${units[unit]}`;
}

/** A CPU percentage with one decimal (`12.5`), `-` for null. */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return value.toFixed(1);
}

/** A value for a table cell: `-` for null/undefined, JSON for objects. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * An event's data as `key=value` pairs: strings bare, or JSON-quoted when
 * they are empty or hold a space, a quote, a backslash or a control
 * character; numbers, booleans and null as written; objects and arrays as
 * compact JSON. `-` when there is nothing.
 *
 * @example
 * ```ts
 * keyValuePairs({ code: 1, reason: "exited with code 1", user: "ops" });
 * // 'code=1 reason="exited with code 1" user=ops'
 * ```
 */
export function keyValuePairs(data: Record<string, unknown> | null | undefined): string {
  const entries = Object.entries(data ?? {});
  if (entries.length === 0) return "-";
  return entries.map(([key, value]) => `${key}=${pairValue(value)}`).join(" ");
}

function pairValue(value: unknown): string {
  if (typeof value === "string") {
    // deno-lint-ignore no-control-regex
    return value === "" || /[\s"'\\\x00-\x1f\x7f]/.test(value) ? JSON.stringify(value) : value;
  }
  if (value === undefined) return "null";
  return JSON.stringify(value);
}

/**
 * True when colour should be used on `stream` (stdout by default), in this
 * order: `--no-color` (`noColor`) turns it off; a non-empty `NO_COLOR` turns
 * it off (an empty one does not, as no-color.org says); a non-empty
 * `FORCE_COLOR` other than `0` or `false` turns it on, even when `stream` is
 * not a terminal; `TERM=dumb` turns it off; else colour when `stream` is a
 * terminal.
 */
export function colorEnabled(
  stream: { isTerminal(): boolean } = Deno.stdout,
  options: { noColor?: boolean; env?: Env } = {},
): boolean {
  if (options.noColor === true) return false;
  const env = options.env ?? Deno.env;
  const no = env.get("NO_COLOR");
  if (no !== undefined && no !== "") return false;
  const force = env.get("FORCE_COLOR");
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  if (env.get("TERM") === "dumb") return false;
  try {
    return stream.isTerminal();
  } catch {
    return false;
  }
}

/**
 * The width tables must fit: the terminal's columns when stdout is a
 * terminal, else a positive integer `COLUMNS`, else `undefined` (no limit).
 */
export function terminalWidth(
  stream: { isTerminal(): boolean } = Deno.stdout,
  env: Env = Deno.env,
): number | undefined {
  try {
    if (stream.isTerminal()) {
      const columns = Deno.consoleSize().columns;
      if (columns > 0) return columns;
    }
  } catch {
    // not a terminal after all: fall back to COLUMNS
  }
  const columns = env.get("COLUMNS");
  if (columns === undefined || !/^[0-9]{1,5}$/.test(columns)) return undefined;
  const n = Number(columns);
  return n > 0 ? n : undefined;
}

/** The output settings of stdout: colour (see {@link colorEnabled}) and width. */
export function stdoutOptions(noColor: boolean): FormatOptions {
  return { color: colorEnabled(Deno.stdout, { noColor }), width: terminalWidth() };
}
