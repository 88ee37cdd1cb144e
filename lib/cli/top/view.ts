/**
 * The screen of `orchestrator top` as text: a pure `render(state, size)`
 * that returns exactly `rows` lines, none wider than `cols` columns (80×24
 * and up; smaller terminals get what fits). Colour is ANSI SGR only.
 *
 * Layout: a summary line, a line for the sort and filter (or a message or a
 * confirmation prompt), the table of agents (NAME STATE PID CPU% MEM
 * RESTARTS UPTIME LAST EVENT), with the log pane of the followed agent below
 * it when open, and the key help on the last line.
 *
 * @module
 */

import { bytes, cutText, duration, paint, percent, stateColor, visibleWidth } from "../format.ts";
import { escapeControls } from "../escape.ts";
import {
  selectedAgent,
  type SortKey,
  type TopAgent,
  type TopState,
  uptimeAt,
  visibleAgents,
} from "./model.ts";

/** The terminal and the clock the screen is drawn for. */
export interface ViewOptions {
  rows: number;
  cols: number;
  /** Milliseconds since the epoch. */
  now: number;
  color: boolean;
}

/** The key help on the last line. */
export const HELP_LINE =
  "q quit  ↑↓ select  c/m/n/s sort  / filter  l log  S start  x stop  r restart";

/** Lines above the table (summary, status) and below it (help). */
const CHROME_ROWS = 3;

const SORT_NAMES: Readonly<Record<SortKey, string>> = {
  config: "config order",
  name: "name",
  state: "state",
  cpu: "CPU",
  memory: "memory",
};

/** Fixed widths of the columns after NAME (LAST EVENT takes what is left). */
const COLUMNS = [
  { title: "STATE", width: 9, right: false },
  { title: "PID", width: 7, right: true },
  { title: "CPU%", width: 6, right: true },
  { title: "MEM", width: 6, right: true },
  { title: "RESTARTS", width: 8, right: true },
  { title: "UPTIME", width: 7, right: true },
] as const;

function pad(text: string, width: number, right = false): string {
  const cut = cutText(text, width);
  const space = " ".repeat(Math.max(0, width - visibleWidth(cut)));
  return right ? space + cut : cut + space;
}

/** `text` cut or padded to exactly `cols` columns. */
function fit(text: string, cols: number): string {
  return pad(text, cols);
}

/** `5s ago`, `3m07s ago`. */
function ago(ms: number): string {
  return `${duration(Math.max(0, ms) / 1000)} ago`;
}

function summary(state: TopState, o: ViewOptions): string {
  const counts = new Map<string, number>();
  let cpu = 0;
  let memory = 0;
  for (const a of state.agents) {
    counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    cpu += a.cpu ?? 0;
    memory += a.memory ?? 0;
  }
  const up = (counts.get("running") ?? 0) + (counts.get("ready") ?? 0);
  const bad = (counts.get("failed") ?? 0) + (counts.get("fatal") ?? 0);
  const time = new Date(o.now).toISOString().slice(11, 19);
  const feed = {
    connecting: "connecting…",
    live: "live",
    polling: "polling",
    down: "no connection",
  }[state.feed];
  const left = `orchestrator top  ${state.agents.length} agents, ${up} up` +
    (bad > 0 ? `, ${bad} failed` : "") + `  cpu ${percent(cpu)}%  mem ${bytes(memory)}`;
  // The clock goes first when the line is too short, then the feed.
  const right = [`${feed}  ${time}`, feed, ""].find((r) =>
    r === "" || visibleWidth(left) + 2 + visibleWidth(r) <= o.cols
  )!;
  if (right === "") return paint(cutText(left, o.cols), "bold", o.color);
  const gap = o.cols - visibleWidth(left) - visibleWidth(right);
  return paint(left, "bold", o.color) + " ".repeat(gap) +
    paint(right, state.feed === "down" ? "red" : "dim", o.color);
}

function statusLine(state: TopState, o: ViewOptions): string {
  if (state.mode === "confirm" && state.confirm !== null) {
    const { command, agent } = state.confirm;
    const verb = command[0].toUpperCase() + command.slice(1);
    return paint(cutText(`${verb} agent "${agent}"? (y/n)`, o.cols), "yellow", o.color);
  }
  if (state.mode === "filter") return cutText(`filter: ${state.filter}_`, o.cols);
  const sort = `sort: ${SORT_NAMES[state.sort]}${state.descending ? " (reversed)" : ""}`;
  const filter = state.filter === "" ? "" : `  filter: ${state.filter}`;
  const message = state.message === null ? "" : `  ${state.message.text}`;
  const base = cutText(sort + filter, o.cols);
  if (message === "") return base;
  const rest = o.cols - visibleWidth(base);
  if (rest < 4) return base;
  return base + paint(cutText(message, rest), state.message!.error ? "red" : "green", o.color);
}

function nameWidth(agents: readonly TopAgent[], cols: number): number {
  const fixed = 2 + COLUMNS.reduce((n, c) => n + c.width + 1, 0) + 12;
  const longest = Math.max(4, ...agents.map((a) => a.name.length));
  return Math.max(4, Math.min(longest, 24, cols - fixed));
}

function header(width: number, cols: number, o: ViewOptions): string {
  const cells = [pad("NAME", width), ...COLUMNS.map((c) => pad(c.title, c.width, c.right))];
  const text = fit(`  ${cells.join(" ")} LAST EVENT`, cols);
  return o.color ? `\x1b[7m${text}\x1b[27m` : text;
}

function row(a: TopAgent, width: number, selected: boolean, o: ViewOptions): string {
  const last = a.lastEvent === null ? "-" : `${a.lastEvent.name} ${ago(o.now - a.lastEvent.at)}`;
  const cells = [
    pad(a.name, width),
    pad(a.state, COLUMNS[0].width),
    pad(a.pid === null ? "-" : String(a.pid), COLUMNS[1].width, true),
    pad(percent(a.cpu), COLUMNS[2].width, true),
    pad(bytes(a.memory), COLUMNS[3].width, true),
    pad(String(a.restarts), COLUMNS[4].width, true),
    pad(duration(uptimeAt(a, o.now)), COLUMNS[5].width, true),
  ];
  const lastWidth = Math.max(0, o.cols - 2 - cells.reduce((n, c) => n + c.length + 1, 0));
  const plain = `${selected ? "> " : "  "}${cells.join(" ")} ${pad(last, lastWidth)}`;
  const text = fit(plain, o.cols);
  if (!o.color) return text;
  const at = 2 + width + 1;
  const colored = text.slice(0, at) + paint(cells[1], stateColor(a.state), true) +
    text.slice(at + cells[1].length);
  return selected ? `\x1b[7m${colored}\x1b[27m` : colored;
}

function logPane(state: TopState, rows: number, o: ViewOptions): string[] {
  const log = state.log!;
  const title = `── ${log.agent}: output (stderr lines marked !) `;
  const out = [fit(title + "─".repeat(Math.max(0, o.cols - title.length)), o.cols)];
  const lines = log.lines.slice(-(rows - 1));
  for (const line of lines) {
    const mark = line.stream === "stderr" ? "! " : "  ";
    const text = fit(mark + escapeControls(line.text), o.cols);
    out.push(line.stream === "stderr" ? paint(text, "yellow", o.color) : text);
  }
  if (lines.length === 0) out.push(paint(fit("  (waiting for output)", o.cols), "dim", o.color));
  while (out.length < rows) out.push(fit("", o.cols));
  return out;
}

/** Rows of the table (agents) on a screen of `rows` lines, with or without the log pane. */
export function tableRows(state: TopState, rows: number): number {
  const body = Math.max(0, rows - CHROME_ROWS - 1);
  return state.log === null ? body : Math.max(1, Math.ceil(body / 2));
}

/**
 * The screen: exactly `o.rows` lines of exactly `o.cols` columns.
 *
 * @example
 * ```ts
 * render(state, { rows: 24, cols: 80, now: Date.now(), color: false }).length; // 24
 * ```
 */
export function render(state: TopState, o: ViewOptions): string[] {
  const cols = Math.max(1, o.cols);
  const opts = { ...o, cols };
  const lines: string[] = [summary(state, opts), fit(statusLine(state, opts), cols)];
  const shown = visibleAgents(state);
  const selected = selectedAgent(state, shown);
  const width = nameWidth(state.agents, cols);
  const body = Math.max(0, o.rows - CHROME_ROWS);
  const tableHeight = Math.min(body, tableRows(state, o.rows) + 1);
  if (tableHeight > 0) lines.push(header(width, cols, opts));
  const room = Math.max(0, tableHeight - 1);
  const at = selected === null ? 0 : shown.indexOf(selected);
  const first = at < room ? 0 : at - room + 1;
  for (const a of shown.slice(first, first + room)) lines.push(row(a, width, a === selected, opts));
  if (shown.length === 0 && room > 0) {
    const why = state.agents.length === 0 ? "No agents" : `No agent matches "${state.filter}"`;
    lines.push(paint(fit(`  ${why}`, cols), "dim", o.color));
  }
  while (lines.length < 2 + tableHeight) lines.push(fit("", cols));
  if (state.log !== null) lines.push(...logPane(state, body - tableHeight, opts));
  while (lines.length < o.rows - 1) lines.push(fit("", cols));
  lines.push(paint(fit(HELP_LINE, cols), "dim", o.color));
  return lines.slice(0, Math.max(0, o.rows));
}
