/**
 * Following the orchestrator live: `history -f` and `logs -f` (docs/protocol.md,
 * "The `orchestrator` client"). One connection carries the backlog requests
 * and a `subscribe`; the frames are printed as they come. When the
 * connection is lost (the orchestrator restarted, or the server went silent
 * for three heartbeats, or the client was too slow and got `overflow`), the
 * follower reconnects with backoff (100 ms doubling to 2 s) and subscribes
 * again: events resume after the last id printed, logs resume live. Ctrl-C
 * (SIGINT) or SIGTERM ends it with exit 0.
 *
 * Loaded only when a command follows (`cli.ts` must stay small for `ps`).
 *
 * @module
 */

import { ClientError, type RequestSpec } from "../control/client.ts";
import type { ControlResponse } from "../control/protocol.ts";
import { type Pushed, SubscriptionClient } from "../control/subscribe_client.ts";
import { type Invocation, renderResponse, unavailable } from "./client_command.ts";
import { type FollowIo, readFrames, reconnect, within } from "./follow_io.ts";
import {
  type EventLine,
  formatEventLine,
  formatLogLine,
  type LogLine,
  resumeAfter,
  type RunMark,
} from "./follow_views.ts";
import { type CliResult, EXIT } from "./result.ts";

export { type FollowIo, terminalIo } from "./follow_io.ts";

/** Seconds between the heartbeats a follower asks for; three missed ones mean the server is gone. */
export const FOLLOW_HEARTBEAT_S = 5;

/** Requests sent right after the first `subscribe`, in the same write, and what prints their answers. */
interface Backlog {
  requests: RequestSpec[];
  print(answers: ControlResponse[]): void;
}

/** What one kind of follower does; `follow` runs the connections. */
interface Follower {
  /**
   * Runs once, on the first connection, before subscribing: `ask` sends
   * requests and resolves with their successful answers (an error answer
   * ends the command). Returns the backlog to send with the `subscribe`.
   */
  prepare(ask: (requests: RequestSpec[]) => Promise<ControlResponse[]>): Promise<Backlog>;
  /** The `subscribe` options for the next subscription. */
  options(): Record<string, unknown>;
  /** Reads a successful `subscribe` answer: `true` when it must subscribe again at once. */
  answered(data: Record<string, unknown>): boolean;
  /** One pushed frame. */
  frame(frame: Pushed): void;
}

/** An error answer to a request of the first connection: the command ends with it. */
class Refused extends Error {
  readonly response: ControlResponse;
  constructor(response: ControlResponse) {
    super("refused");
    this.response = response;
  }
}

/** An error answer as the command prints it (exit 1). */
function failed(inv: Invocation, response: ControlResponse): CliResult {
  return renderResponse({ name: "subscribe", agent: "none", format: () => "" }, response, inv);
}

/** A subscription connection, or the result of a failed connect (exit 3). */
async function connect(inv: Invocation): Promise<SubscriptionClient | CliResult> {
  try {
    return await SubscriptionClient.connect(inv.socket, { origin: inv.socketOrigin });
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}

/** Runs a follower until Ctrl-C: exit 0; 1 for an error answer; 3 when the first connect fails. */
async function follow(inv: Invocation, io: FollowIo, f: Follower): Promise<CliResult> {
  const connected = await connect(inv);
  if (!(connected instanceof SubscriptionClient)) return connected;
  let client = connected;
  let backlog: Backlog;
  try {
    backlog = await f.prepare(async (requests) => {
      const answers = await within(client, client.send(requests), inv.timeoutMs, io.signal);
      const error = answers.find((a) => a.status === "error");
      if (error !== undefined) throw new Refused(error);
      return answers;
    });
  } catch (error) {
    client.close();
    if (error instanceof Refused) return failed(inv, error.response);
    if (error instanceof ClientError) return io.signal.aborted ? ok() : unavailable(error);
    throw error;
  }
  const silenceMs = FOLLOW_HEARTBEAT_S * 3000 + 1000;
  let first = true;
  let lost = false;
  while (!io.signal.aborted) {
    const requests: RequestSpec[] = [{ command: "subscribe", options: f.options() }];
    if (first) requests.push(...backlog.requests);
    let answers: ControlResponse[];
    try {
      answers = await within(client, client.send(requests), inv.timeoutMs, io.signal);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (io.signal.aborted) break;
      if (first) return unavailable(error);
      client = await reconnect(inv, io.signal).catch(() => client);
      continue;
    }
    const error = answers.find((a) => a.status === "error");
    if (error !== undefined) {
      client.close();
      // 503 after a loss: that orchestrator is shutting down; the next one will answer
      if (first || error.status !== "error" || error.code !== 503) return failed(inv, error);
      client = await reconnect(inv, io.signal).catch(() => client);
      continue;
    }
    if (first) backlog.print(answers.slice(1));
    first = false;
    if (f.answered((answers[0] as { data: Record<string, unknown> }).data)) {
      client.close();
      client = await reconnect(inv, io.signal).catch(() => client);
      continue;
    }
    if (lost) io.err(`Reconnected to "${inv.socket}"`);
    lost = false;
    await readFrames(client, silenceMs, io.signal, (frame) => f.frame(frame));
    if (io.signal.aborted) break;
    io.err(`${client.ended?.message ?? "Connection lost"}: reconnecting`);
    lost = true;
    client = await reconnect(inv, io.signal).catch(() => client);
  }
  client.close();
  return ok();
}

function ok(): CliResult {
  return { exitCode: EXIT.ok };
}

/**
 * `history -f`: the newest `limit` (default 10) events matching the query,
 * oldest first, then every new one as it is recorded. `query` holds the
 * `history` options (`until` is not allowed: checked by the caller).
 */
export function followHistory(
  inv: Invocation,
  query: Record<string, unknown>,
  io: FollowIo,
): Promise<CliResult> {
  const filter: Record<string, unknown> = {};
  if (typeof query.category === "string") filter.categories = [query.category];
  if (typeof query.agent === "string") filter.agents = [query.agent];
  if (typeof query.event === "string") filter.events = [query.event];
  const print = (e: EventLine) =>
    io.out(inv.json ? JSON.stringify(e) : formatEventLine(e, inv.format));
  let cursor = 0;
  let run: RunMark | null = null;
  return follow(inv, io, {
    async prepare(ask) {
      const backlog = { command: "history", options: { ...query, limit: query.limit ?? 10 } };
      // With a time filter, an empty answer says nothing of the ids before it: then ask for the
      // newest id of all first (an event recorded after it that matches is in the second answer).
      const requests = query.since === undefined
        ? [backlog]
        : [{ command: "history", options: { limit: 1 } }, backlog];
      const answers = (await ask(requests)).map((a) =>
        (a as { data: { events: EventLine[] } }).data.events
      );
      for (const e of answers.flat()) cursor = Math.max(cursor, e.id);
      for (const e of answers.at(-1)!.toReversed()) print(e);
      return { requests: [], print() {} };
    },
    options: () => ({ ...filter, since: cursor, heartbeat: FOLLOW_HEARTBEAT_S }),
    answered(data) {
      const now = (data.run ?? null) as RunMark | null;
      const after = resumeAfter(cursor, run, now);
      run = now;
      if (after === null) return false;
      cursor = after;
      return true;
    },
    frame(frame) {
      if (frame.type === "event") {
        const { type: _type, ...event } = frame;
        print(event as unknown as EventLine);
        cursor = Math.max(cursor, event.id as number);
      } else if (typeof frame.last_id === "number") {
        cursor = Math.max(cursor, frame.last_id);
        if (frame.type === "overflow") io.err(`Too slow to follow: ${String(frame.error)}`);
      }
    },
  });
}

/**
 * `logs -f [AGENT…]`: the output lines of the agents (every agent when none
 * is named), as they are read; with `lines`, the newest `lines` captured
 * lines of each agent first. After a reconnect, lines resume live.
 */
export function followLogs(
  inv: Invocation,
  follow_: { agents: string[]; lines: number | undefined; prefix: boolean; raw: boolean },
  io: FollowIo,
): Promise<CliResult> {
  const { agents, lines } = follow_;
  const o = { ...inv.format, prefix: follow_.prefix, raw: follow_.raw };
  const print = (l: LogLine) => io.out(inv.json ? JSON.stringify(l) : formatLogLine(l, o));
  return follow(inv, io, {
    async prepare(ask) {
      if (lines === undefined) return { requests: [], print() {} };
      // every agent: their names first (the backlog is one `logs` request per agent)
      const names = agents.length > 0 ? agents : (
        (await ask([{ command: "ps" }]))[0] as { data: { agents: { name: string }[] } }
      ).data.agents.map((a) => a.name);
      return {
        // sent with the subscribe, in one write: handled in one turn, no line lost or repeated
        requests: names.map((agent) => ({ command: "logs", args: [agent], options: { lines } })),
        print(answers) {
          for (const a of answers) {
            const data = (a as { data: { agent_name: string; stdout: string[]; stderr: string[] } })
              .data;
            for (const stream of ["stdout", "stderr"] as const) {
              for (const line of data[stream]) {
                print({ agent: data.agent_name, stream, timestamp: null, line });
              }
            }
          }
        },
      };
    },
    options: () => ({
      logs: agents.length === 0 ? true : agents,
      categories: [],
      heartbeat: FOLLOW_HEARTBEAT_S,
    }),
    answered: () => false,
    frame(frame) {
      if (frame.type === "log") print(frame as unknown as LogLine);
      else if (frame.type === "overflow") io.err(`Too slow to follow: ${String(frame.error)}`);
    },
  });
}

/**
 * `subscribe`: one subscription, every frame printed as one line of JSON (the
 * answer first), until Ctrl-C (exit 0). No reconnect: when the orchestrator
 * closes the connection it says so and exits 3; an error answer exits 1.
 */
export async function subscribeRaw(
  inv: Invocation,
  options: Record<string, unknown>,
  io: FollowIo,
): Promise<CliResult> {
  const client = await connect(inv);
  if (!(client instanceof SubscriptionClient)) return client;
  try {
    const [answer] = await within(
      client,
      client.send([{ command: "subscribe", options }]),
      inv.timeoutMs,
      io.signal,
    );
    io.out(JSON.stringify(answer));
    if (answer.status === "error") return { exitCode: EXIT.error };
    await readFrames(client, Number.POSITIVE_INFINITY, io.signal, (f) => io.out(JSON.stringify(f)));
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
  } finally {
    client.close();
  }
  if (io.signal.aborted) return ok();
  return { exitCode: EXIT.unavailable, stderr: client.ended?.message ?? "Connection lost" };
}
