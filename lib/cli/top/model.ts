/**
 * The data model of `orchestrator top`: the agents as last seen (from `ps`
 * rows, subscription snapshots and events), the sort, the filter, the
 * selection, the log pane and the line of messages. Every function here is
 * pure: it returns a new state and leaves the I/O to app.ts. Key presses are
 * in keymap.ts.
 *
 * @module
 */

/** An agent as `ps` or a subscription snapshot shows it (fields the server may lack are optional). */
export interface AgentRow {
  name: string;
  state: string;
  pid: number | null;
  restarts?: number;
  uptime_seconds?: number | null;
  cpu_percent?: number | null;
  memory_bytes?: number | null;
}

/** A stored event, as `history` and the subscription give it. */
export interface TopEvent {
  id: number;
  event_name: string;
  agent_name: string | null;
  /** ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** One agent in the view. */
export interface TopAgent {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  /** Seconds up at `seenAt`, or `null` when not alive. */
  uptime: number | null;
  cpu: number | null;
  memory: number | null;
  /** When the row was read (ms since the epoch, this machine's clock): uptime grows from there. */
  seenAt: number;
  /** The agent's newest agent event: its name without `AGENT_`, and when (ms since the epoch). */
  lastEvent: { name: string; at: number } | null;
}

/** How the list is ordered. */
export type SortKey = "config" | "name" | "state" | "cpu" | "memory";

/** What the keyboard drives. */
export type Mode = "list" | "filter" | "confirm";

/** An action on the selected agent awaiting `y`. */
export interface Confirm {
  command: "start" | "stop" | "restart";
  agent: string;
}

/** One line of the log pane. */
export interface LogLine {
  stream: "stdout" | "stderr";
  text: string;
}

/** The log pane: the agent followed and its newest lines. */
export interface LogPane {
  agent: string;
  lines: LogLine[];
}

/** Where the data comes from: the subscription, `ps` polling alone, or nothing (cannot connect). */
export type FeedState = "connecting" | "live" | "polling" | "down";

/** Everything `top` shows. */
export interface TopState {
  socket: string;
  agents: TopAgent[];
  sort: SortKey;
  descending: boolean;
  filter: string;
  mode: Mode;
  confirm: Confirm | null;
  /** Name of the selected agent. */
  selected: string | null;
  log: LogPane | null;
  feed: FeedState;
  /** The last action's result or a problem; `error` shows it in red. */
  message: { text: string; error: boolean } | null;
  /** Newest event id applied (the subscription's resume cursor). */
  lastEventId: number;
}

/** Lines the log pane keeps. */
export const LOG_LINES_KEPT = 500;

/** States that have a process. */
const LIVE = new Set(["starting", "running", "ready", "paused", "stopping"]);

/** Order of `s` (state): the ones needing attention first. */
const STATE_RANK: Readonly<Record<string, number>> = {
  fatal: 0,
  failed: 1,
  backoff: 2,
  stopping: 3,
  starting: 4,
  paused: 5,
  pending: 6,
  running: 7,
  ready: 8,
  completed: 9,
  stopped: 10,
};

/** The state before anything is known. */
export function initialState(socket: string): TopState {
  return {
    socket,
    agents: [],
    sort: "config",
    descending: false,
    filter: "",
    mode: "list",
    confirm: null,
    selected: null,
    log: null,
    feed: "connecting",
    message: null,
    lastEventId: 0,
  };
}

function agentOf(row: AgentRow, now: number, before: TopAgent | undefined): TopAgent {
  return {
    name: row.name,
    state: row.state,
    pid: row.pid ?? null,
    restarts: row.restarts ?? before?.restarts ?? 0,
    uptime: row.uptime_seconds ?? null,
    cpu: row.cpu_percent ?? null,
    memory: row.memory_bytes ?? null,
    seenAt: now,
    lastEvent: before?.lastEvent ?? null,
  };
}

/**
 * The first agent shown becomes the selected one when none is, so that a
 * new sort keeps the selection where it was.
 */
function withSelection(state: TopState): TopState {
  if (state.selected !== null && state.agents.some((a) => a.name === state.selected)) return state;
  return { ...state, selected: visibleAgents(state)[0]?.name ?? null };
}

/** Every agent from a `ps` answer, in its order (config order); last events are kept. */
export function applyRows(state: TopState, rows: readonly AgentRow[], now: number): TopState {
  const before = new Map(state.agents.map((a) => [a.name, a]));
  const agents = rows.map((row) => agentOf(row, now, before.get(row.name)));
  return withSelection({ ...state, agents });
}

/** One agent from a subscription snapshot (added at the end when new). */
export function applySnapshot(state: TopState, row: AgentRow, now: number): TopState {
  const i = state.agents.findIndex((a) => a.name === row.name);
  const agents = [...state.agents];
  if (i < 0) agents.push(agentOf(row, now, undefined));
  else agents[i] = agentOf(row, now, agents[i]);
  return withSelection({ ...state, agents });
}

/**
 * Events in id order: each agent event becomes its agent's last event, and
 * a state change in it (`data.to`, `data.pid`) shows at once; events
 * already applied (id not above `lastEventId`) are skipped.
 */
export function applyEvents(state: TopState, events: readonly TopEvent[], now: number): TopState {
  let agents = state.agents;
  let last = state.lastEventId;
  for (const e of events) {
    if (e.id <= last) continue;
    last = e.id;
    if (e.agent_name === null || !e.event_name.startsWith("AGENT_")) continue;
    const i = agents.findIndex((a) => a.name === e.agent_name);
    if (i < 0) continue;
    const at = Date.parse(e.timestamp);
    const a = {
      ...agents[i],
      lastEvent: { name: e.event_name.slice(6), at: Number.isNaN(at) ? now : at },
    };
    const to = e.data.to;
    if (typeof to === "string" && to !== a.state) {
      a.state = to;
      if (!LIVE.has(to)) Object.assign(a, { pid: null, uptime: null, cpu: null, memory: null });
      else if (typeof e.data.pid === "number") {
        Object.assign(a, { pid: e.data.pid, uptime: 0, seenAt: now, cpu: null, memory: null });
      }
    }
    if (agents === state.agents) agents = [...agents];
    agents[i] = a;
  }
  return { ...state, agents, lastEventId: last };
}

/** A line of the followed agent's output (other agents' lines are ignored). */
export function applyLog(state: TopState, agent: string, line: LogLine): TopState {
  if (state.log === null || state.log.agent !== agent) return state;
  const lines = [...state.log.lines, line];
  if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  return { ...state, log: { agent, lines } };
}

/** The followed agent's lines, all at once (the backlog, or a poll of `logs`). */
export function setLogLines(state: TopState, agent: string, lines: readonly LogLine[]): TopState {
  if (state.log === null || state.log.agent !== agent) return state;
  return { ...state, log: { agent, lines: lines.slice(-LOG_LINES_KEPT) } };
}

/** Where the data comes from now. */
export function setFeed(state: TopState, feed: FeedState): TopState {
  return state.feed === feed ? state : { ...state, feed };
}

/** Shows `text` on the message line (in red when `error`). */
export function setMessage(state: TopState, text: string, error = false): TopState {
  return { ...state, message: { text, error } };
}

/** Seconds the agent has been up at `now`, counting on from the row's reading. */
export function uptimeAt(agent: TopAgent, now: number): number | null {
  if (agent.uptime === null) return null;
  return agent.uptime + Math.max(0, now - agent.seenAt) / 1000;
}

function compare(sort: SortKey, a: TopAgent, b: TopAgent): number {
  switch (sort) {
    case "name":
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    case "state":
      return (STATE_RANK[a.state] ?? 99) - (STATE_RANK[b.state] ?? 99);
    case "cpu":
      return (b.cpu ?? -1) - (a.cpu ?? -1);
    case "memory":
      return (b.memory ?? -1) - (a.memory ?? -1);
    case "config":
      return 0;
  }
}

/**
 * The agents shown: those whose name (or state) contains the filter, in
 * the sort's order (ties in config order); `descending` reverses it.
 */
export function visibleAgents(state: TopState): TopAgent[] {
  const needle = state.filter.toLowerCase();
  const shown = state.agents
    .map((agent, index) => ({ agent, index }))
    .filter(({ agent }) =>
      needle === "" || agent.name.toLowerCase().includes(needle) || agent.state.includes(needle)
    );
  shown.sort((x, y) => compare(state.sort, x.agent, y.agent) || x.index - y.index);
  if (state.descending) shown.reverse();
  return shown.map((s) => s.agent);
}

/** The selected agent among the shown ones: the one named, else the first. */
export function selectedAgent(state: TopState, shown = visibleAgents(state)): TopAgent | null {
  return shown.find((a) => a.name === state.selected) ?? shown[0] ?? null;
}
