/**
 * Where `orchestrator top` gets its data (docs/protocol.md): a `subscribe`
 * connection pushes agent snapshots and events as they happen (state
 * changes show at once), and a `ps` every {@link LIVE_POLL_MS} refreshes
 * CPU, memory, restarts and uptime, which change without events. Against an
 * orchestrator without `subscribe` (or where it is not allowed), `ps` and
 * `history` are polled every {@link POLL_MS} instead. The log pane follows
 * one agent: its backlog from `logs`, then its lines from a subscription
 * (or `logs` polled at each `ps`). Commands go out as the CLI's would, so they are
 * authorized and audited the same way.
 *
 * @module
 */

import { ControlClient } from "../../control/client.ts";
import type { ControlResponse } from "../../control/protocol.ts";
import type { AgentStatus } from "../../agent/info.ts";
import { formatAgentAction } from "../views.ts";
import type { AgentRow, FeedState, LogLine, TopEvent } from "./model.ts";
import { agentRow, type Pushed, topEvent } from "./pushed.ts";
import { Subscription } from "./subscription.ts";

/** `ps` interval while subscribed (the resources are sampled every 5 s by default). */
export const LIVE_POLL_MS = 2000;

/** `ps`, `history` (and `logs`) interval without a subscription. */
export const POLL_MS = 1000;

/** Lines of backlog the log pane asks for. */
const BACKLOG_LINES = 200;

/** Events asked for at start, for each agent's last event. */
const START_EVENTS = 1000;

/** Seconds a request of `top` may take. */
const REQUEST_TIMEOUT_MS = 5000;

/** What the feed tells the app. */
export interface FeedHandlers {
  /** Every agent (a `ps` answer). */
  rows(rows: AgentRow[]): void;
  /** One agent's current state (a subscription snapshot). */
  snapshot(row: AgentRow): void;
  /** New events, in id order. */
  events(events: TopEvent[]): void;
  /** A line of the followed agent. */
  log(agent: string, line: LogLine): void;
  /** The followed agent's lines, all at once. */
  logLines(agent: string, lines: LogLine[]): void;
  /** Where the data comes from now; `problem` says why it is not live. */
  feed(state: FeedState, problem?: string): void;
}

/** The data feed of one `top` session. */
export class TopFeed {
  readonly #socket: string;
  readonly #handlers: FeedHandlers;
  /** The newest event id the app has (the resume cursor). */
  readonly #cursor: () => number;
  #client: ControlClient | null = null;
  #main: Subscription | null = null;
  #logSub: Subscription | null = null;
  #following: string | null = null;
  #subscribing = false;
  /** False once the orchestrator answered that it cannot subscribe (404 or 403). */
  #canSubscribe = true;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #lastPoll = 0;

  constructor(socket: string, handlers: FeedHandlers, cursor: () => number) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#cursor = cursor;
  }

  /** Starts: the first `ps` and events at once, then the subscription and the timer. */
  async start(): Promise<void> {
    await this.#tick(true);
  }

  /** Stops everything. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#main?.close();
    this.#logSub?.close();
    this.#client?.close();
  }

  /** Follows `agent`'s output in the log pane, or nothing (`null`). */
  follow(agent: string | null): void {
    this.#following = agent;
    this.#logSub?.close();
    this.#logSub = null;
    if (agent === null || this.#closed) return;
    this.#backlog(agent).then(() => {
      if (this.#main !== null && this.#following === agent) this.#subscribeLog(agent);
    });
  }

  /** Sends `start`/`stop`/`restart` for `agent`; resolves with the line to show. */
  async command(command: string, agent: string): Promise<{ text: string; error: boolean }> {
    try {
      const response = await this.#request(command, [agent]);
      const text = response.status === "success"
        ? formatAgentAction(response.data as AgentStatus, { color: false })
        : `Error ${response.code}: ${response.error}`;
      this.#schedule(0);
      return { text, error: response.status !== "success" };
    } catch (error) {
      return { text: (error as Error).message, error: true };
    }
  }

  async #request(command: string, args: string[] = [], options: Record<string, unknown> = {}) {
    this.#client ??= await ControlClient.connect(this.#socket, { timeoutMs: REQUEST_TIMEOUT_MS });
    try {
      return await this.#client.request(command, args, options);
    } catch (error) {
      this.#client?.close();
      this.#client = null;
      throw error;
    }
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(false), ms);
  }

  /** One poll: `ps` (and `history` and `logs` without a subscription), then the next. */
  async #tick(first: boolean): Promise<void> {
    const live = this.#main !== null;
    try {
      const ps = await this.#request("ps");
      if (ps.status === "error") throw new Error(`ps: error ${ps.code}: ${ps.error}`);
      this.#handlers.rows(rowsOf(ps));
      if (first || !live) await this.#pollEvents(first ? START_EVENTS : 100);
      // Without a subscription of its lines (none, or refused), the log pane is polled.
      if (this.#following !== null && this.#logSub === null) await this.#backlog(this.#following);
      this.#lastPoll = performance.now();
      if (!live && this.#canSubscribe && !this.#subscribing) this.#subscribe();
      else if (!live) this.#handlers.feed("polling");
    } catch (error) {
      this.#handlers.feed("down", (error as Error).message);
    }
    this.#schedule(this.#main !== null ? LIVE_POLL_MS : POLL_MS);
  }

  async #pollEvents(limit: number): Promise<void> {
    const response = await this.#request("history", [], { limit });
    if (response.status !== "success") return; // not allowed: no last events
    const list = (response.data as { events?: unknown }).events;
    if (!Array.isArray(list)) return;
    const events = list.map(topEvent).filter((e): e is TopEvent => e !== null);
    this.#handlers.events(events.sort((a, b) => a.id - b.id));
  }

  async #backlog(agent: string): Promise<void> {
    try {
      const response = await this.#request("logs", [agent], { lines: BACKLOG_LINES });
      if (this.#following !== agent) return;
      if (response.status !== "success") {
        const line = `Cannot read the logs: ${response.code} ${response.error}`;
        this.#handlers.logLines(agent, [{ stream: "stderr", text: line }]);
        return;
      }
      this.#handlers.logLines(agent, logLinesOf(response.data));
    } catch {
      // Cannot reach the orchestrator: the next poll says so.
    }
  }

  /** Opens the main subscription (snapshots and agent events since the cursor). */
  async #subscribe(): Promise<void> {
    this.#subscribing = true;
    try {
      const since = this.#cursor();
      const options = { snapshot: true, categories: ["agent"], ...(since > 0 ? { since } : {}) };
      const outcome = await Subscription.open(this.#socket, options, (p) => this.#onPushed(p));
      if (this.#closed) {
        if (outcome.ok) outcome.subscription.close();
        return;
      }
      if (!outcome.ok) {
        // 404: an orchestrator without subscribe; 403: not allowed here. Polling stays.
        this.#canSubscribe = false;
        this.#handlers.feed("polling", `subscribe: ${outcome.code} ${outcome.error}`);
        return;
      }
      const sub = outcome.subscription;
      this.#main = sub;
      this.#handlers.feed("live");
      if (this.#following !== null) this.#subscribeLog(this.#following);
      sub.closed.then((why) => {
        if (this.#main !== sub) return;
        this.#main = null;
        this.#logSub?.close();
        this.#logSub = null;
        if (!this.#closed) this.#handlers.feed("polling", why);
        this.#schedule(Math.max(0, POLL_MS - (performance.now() - this.#lastPoll)));
      });
    } catch (error) {
      if (!this.#closed) this.#handlers.feed("polling", (error as Error).message);
    } finally {
      this.#subscribing = false;
    }
  }

  /** Opens the subscription of the followed agent's lines. */
  async #subscribeLog(agent: string): Promise<void> {
    const options = { logs: [agent], agents: [agent], categories: ["agent"], snapshot: false };
    try {
      const outcome = await Subscription.open(this.#socket, options, (p) => {
        if (p.kind === "log" && p.agent === agent) this.#handlers.log(agent, p.line);
      });
      if (!outcome.ok) return;
      if (this.#following !== agent || this.#closed || this.#logSub !== null) {
        outcome.subscription.close();
        return;
      }
      this.#logSub = outcome.subscription;
    } catch {
      // The log pane keeps its backlog.
    }
  }

  #onPushed(p: Pushed): void {
    if (p.kind === "snapshot") this.#handlers.snapshot(p.row);
    else if (p.kind === "event") this.#handlers.events([p.event]);
  }
}

/** The rows of a successful `ps` answer. */
function rowsOf(response: ControlResponse & { status: "success" }): AgentRow[] {
  const agents = (response.data as { agents?: unknown }).agents;
  if (!Array.isArray(agents)) return [];
  return agents.map(agentRow).filter((r): r is AgentRow => r !== null);
}

/** The lines of a `logs` answer: stdout's, then stderr's. */
function logLinesOf(data: unknown): LogLine[] {
  const d = data as { stdout?: unknown; stderr?: unknown };
  const lines = (list: unknown, stream: LogLine["stream"]) =>
    Array.isArray(list)
      ? list.filter((l): l is string => typeof l === "string").map((text) => ({ stream, text }))
      : [];
  return [...lines(d.stdout, "stdout"), ...lines(d.stderr, "stderr")];
}
