/**
 * What each key does in `orchestrator top` (the help line of the view lists
 * them): a pure `(state, key) → state + effects`. Effects are what app.ts
 * must do outside the model: quit, send a command, follow a log.
 *
 * | key                | list                                     |
 * | ------------------ | ---------------------------------------- |
 * | `q`, Ctrl-C        | quit                                     |
 * | ↑ ↓ `k` `j`, PgUp PgDn, Home End | move the selection         |
 * | `c` `m` `n` `s` `o` | sort by CPU, memory, name, state, config order (again: reverse) |
 * | `/`                | type a filter (Enter keeps it, Esc clears it) |
 * | `l`, Enter         | open (or close) the log pane of the selected agent |
 * | Esc                | close the log pane, else clear the filter |
 * | `S` `x` `r`        | start, stop, restart the selected agent, after `y` |
 *
 * @module
 */

import type { Key } from "./keys.ts";
import { type SortKey, type TopState, visibleAgents } from "./model.ts";

/** Something app.ts does for a key. */
export type Effect =
  | { type: "quit" }
  | { type: "command"; command: "start" | "stop" | "restart"; agent: string }
  | { type: "follow"; agent: string | null };

/** The outcome of a key press. */
export interface KeyResult {
  state: TopState;
  effects: Effect[];
}

const SORT_KEYS: Readonly<Record<string, SortKey>> = {
  c: "cpu",
  m: "memory",
  n: "name",
  s: "state",
  o: "config",
};

const ACTIONS: Readonly<Record<string, "start" | "stop" | "restart">> = {
  S: "start",
  x: "stop",
  r: "restart",
};

/** Longest filter typed. */
const FILTER_MAX = 64;

function done(state: TopState, ...effects: Effect[]): KeyResult {
  return { state, effects };
}

/** Moves the selection by `delta` rows among the shown agents (clamped). */
function move(state: TopState, delta: number): TopState {
  const shown = visibleAgents(state);
  if (shown.length === 0) return state;
  const at = Math.max(0, shown.findIndex((a) => a.name === state.selected));
  const to = Math.min(shown.length - 1, Math.max(0, at + delta));
  return { ...state, selected: shown[to].name };
}

function selectedName(state: TopState): string | null {
  const shown = visibleAgents(state);
  return (shown.find((a) => a.name === state.selected) ?? shown[0])?.name ?? null;
}

/**
 * Handles one key press. `page` is the number of agent rows on screen
 * (PgUp/PgDn move by it).
 *
 * @example
 * ```ts
 * handleKey(state, { name: "char", char: "c" }, 20).state.sort; // "cpu"
 * ```
 */
export function handleKey(state: TopState, key: Key, page: number): KeyResult {
  if (key.name === "ctrl-c" || key.name === "ctrl-d") return done(state, { type: "quit" });
  switch (state.mode) {
    case "filter":
      return filterKey(state, key);
    case "confirm":
      return confirmKey(state, key);
    case "list":
      return listKey(state, key, page);
  }
}

function filterKey(state: TopState, key: Key): KeyResult {
  switch (key.name) {
    case "enter":
      return done({ ...state, mode: "list" });
    case "escape":
      return done({ ...state, mode: "list", filter: "" });
    case "backspace":
      return done({ ...state, filter: [...state.filter].slice(0, -1).join("") });
    case "char":
      if (state.filter.length >= FILTER_MAX) return done(state);
      return done({ ...state, filter: state.filter + key.char });
    default:
      return done(state);
  }
}

function confirmKey(state: TopState, key: Key): KeyResult {
  const confirm = state.confirm;
  const back = { ...state, mode: "list" as const, confirm: null };
  if (confirm !== null && key.name === "char" && (key.char === "y" || key.char === "Y")) {
    return done(
      { ...back, message: { text: `Sent ${confirm.command} "${confirm.agent}"…`, error: false } },
      { type: "command", command: confirm.command, agent: confirm.agent },
    );
  }
  return done({ ...back, message: { text: "Cancelled", error: false } });
}

function listKey(state: TopState, key: Key, page: number): KeyResult {
  switch (key.name) {
    case "up":
      return done(move(state, -1));
    case "down":
      return done(move(state, 1));
    case "pageup":
      return done(move(state, -Math.max(1, page)));
    case "pagedown":
      return done(move(state, Math.max(1, page)));
    case "home":
      return done(move(state, -Infinity));
    case "end":
      return done(move(state, Infinity));
    case "enter":
      return toggleLog(state);
    case "escape":
      if (state.log !== null) return done({ ...state, log: null }, { type: "follow", agent: null });
      return done({ ...state, filter: "" });
    case "char":
      return charKey(state, key.char, page);
    default:
      return done(state);
  }
}

function charKey(state: TopState, char: string, page: number): KeyResult {
  if (char === "q") return done(state, { type: "quit" });
  if (char === "k") return listKey(state, { name: "up" }, page);
  if (char === "j") return listKey(state, { name: "down" }, page);
  if (char === "g") return listKey(state, { name: "home" }, page);
  if (char === "G") return listKey(state, { name: "end" }, page);
  if (char === "/") return done({ ...state, mode: "filter" });
  if (char === "l") return toggleLog(state);
  const sort = SORT_KEYS[char];
  if (sort !== undefined) {
    const again = state.sort === sort;
    return done({ ...state, sort, descending: again ? !state.descending : false });
  }
  const command = ACTIONS[char];
  if (command !== undefined) {
    const agent = selectedName(state);
    if (agent === null) return done(state);
    return done({ ...state, selected: agent, mode: "confirm", confirm: { command, agent } });
  }
  return done(state);
}

/** Opens the log pane on the selected agent, or closes it when it shows that agent. */
function toggleLog(state: TopState): KeyResult {
  const agent = selectedName(state);
  if (agent === null) return done(state);
  if (state.log?.agent === agent) {
    return done({ ...state, log: null }, { type: "follow", agent: null });
  }
  return done({ ...state, selected: agent, log: { agent, lines: [] } }, { type: "follow", agent });
}
