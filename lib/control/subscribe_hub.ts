/**
 * Every subscription of one orchestrator (docs/protocol.md, "subscribe"):
 * opens them, and hands each event and output line to the subscribers that
 * want it. It listens to the event store and observes output only while it
 * has subscribers (and output only of the agents some subscriber follows),
 * and encodes each frame once, whatever the number of subscribers.
 *
 * @example
 * ```ts
 * const opened = SubscriptionHub.of(controller).open(connection, subscribeOptions(request));
 * // answer with opened.data, then, once the answer is written:
 * opened.start();
 * ```
 *
 * @module
 */

import type { AgentController } from "../agent/controller.ts";
import type { OutputStream } from "../agent/output_observer.ts";
import { conflict, notFound } from "../errors.ts";
import type { OrchestratorEvent } from "../events/event.ts";
import { passesFilter } from "../events/feed.ts";
import { isoTime } from "../iso_time.ts";
import { encodeJsonFrame } from "./frame.ts";
import { eventFrame, logFrame, snapshotFrame } from "./subscribe_frames.ts";
import type { SubscribeOptions } from "./subscribe_options.ts";
import { type PushChannel, Subscription } from "./subscription.ts";

/** A connection a subscription can live on. */
export interface SubscriberChannel extends PushChannel {
  /** Runs `fn` once, when the connection closes. */
  whenClosed(fn: () => void): void;
}

/** The answer to `subscribe` (docs/protocol.md). */
export interface SubscribeAnswer {
  /** The newest event id when the subscription began. */
  last_id: number;
  /** Events with a smaller id were pruned (`event_retention`). */
  oldest_id: number;
  /** Seconds between heartbeats (the request's, at most half of `command_idle_timeout`). */
  heartbeat: number;
  /** This run's `ORCHESTRATOR_STARTED` event (`null` once pruned): tells a client the orchestrator restarted. */
  run: { id: number; started_at: string } | null;
}

/** A subscription opened by {@linkcode SubscriptionHub.open}. */
export interface Opened {
  data: SubscribeAnswer;
  /** Call once the answer is written. */
  start: () => void;
}

interface Entry {
  subscription: Subscription;
  /** Agents whose lines it gets: `null` none, `"all"` every agent. */
  logs: ReadonlySet<string> | "all" | null;
}

const hubs = new WeakMap<AgentController, SubscriptionHub>();

/** The subscriptions of one controller. Get it with {@linkcode SubscriptionHub.of}. */
export class SubscriptionHub {
  #controller: AgentController;
  #entries = new Map<SubscriberChannel, Entry>();
  #stopEvents: (() => void) | null = null;
  #stopOutput: (() => void) | null = null;

  private constructor(controller: AgentController) {
    this.#controller = controller;
  }

  /** The hub of `controller` (made on first use). */
  static of(controller: AgentController): SubscriptionHub {
    let hub = hubs.get(controller);
    if (hub === undefined) {
      hub = new SubscriptionHub(controller);
      hubs.set(controller, hub);
    }
    return hub;
  }

  /**
   * Waits until every subscriber of `controller` has been handed what it was
   * sent so far (at most `timeoutMs`): the server's close calls it, so the
   * last events (`ORCHESTRATOR_SHUTDOWN`) reach the subscribers.
   */
  static async settle(controller: AgentController, timeoutMs: number): Promise<void> {
    const hub = hubs.get(controller);
    const end = performance.now() + timeoutMs;
    while (hub !== undefined && !hub.#settled() && performance.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Open subscriptions. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Opens a subscription on `channel`: 409 when the connection has one, 404
   * for an unknown agent in `logs`. Nothing is pushed before `start`.
   */
  open(channel: SubscriberChannel, options: SubscribeOptions): Opened {
    if (this.#entries.has(channel)) {
      throw conflict("Cannot subscribe: this connection already has a subscription");
    }
    const controller = this.#controller;
    const feed = controller.events;
    const logs = this.#logAgents(options.logs);
    const boot = feed.query({ event: "ORCHESTRATOR_STARTED", limit: 1 })[0];
    const cursor = options.since ?? feed.lastId;
    const agents = options.filter.agents ?? null;
    const only = agents === null ? null : new Set(agents);
    const snapshot = options.snapshot
      ? controller.statusAll().filter((s) => only === null || only.has(s.name)).map(snapshotFrame)
      : null;
    const heartbeat = Math.min(options.heartbeat, controller.config.command_idle_timeout / 2);
    const subscription = new Subscription({
      channel,
      feed,
      filter: options.filter,
      cursor,
      snapshot,
      heartbeatMs: heartbeat * 1000,
      onClose: () => this.#remove(channel),
    });
    this.#entries.set(channel, { subscription, logs });
    this.#stopEvents ??= feed.listen((event) => this.#event(event));
    if (logs !== null) this.#observe();
    channel.whenClosed(() => subscription.close()); // at once when it is closed already
    return {
      data: {
        last_id: feed.lastId,
        oldest_id: feed.oldestId,
        heartbeat,
        run: boot === undefined ? null : { id: boot.id, started_at: boot.timestamp },
      },
      start: () => subscription.start(),
    };
  }

  /** The agents of a `logs` option, checked (404 for an unknown name). */
  #logAgents(logs: SubscribeOptions["logs"]): Entry["logs"] {
    if (logs === null || logs === "all") return logs;
    const known = new Set(this.#controller.list().map((a) => a.name));
    for (const name of logs) {
      if (!known.has(name)) throw notFound(`Unknown agent "${name}"`, { agent: name });
    }
    return new Set(logs);
  }

  #settled(): boolean {
    for (const { subscription } of this.#entries.values()) {
      if (!subscription.settled) return false;
    }
    return true;
  }

  #event(event: OrchestratorEvent): void {
    let frame: Uint8Array | null = null;
    for (const { subscription } of this.#entries.values()) {
      if (subscription.phase !== "live" || !passesFilter(subscription.filter, event)) continue;
      frame ??= encodeJsonFrame(eventFrame(event));
      subscription.event(event.id, frame);
    }
  }

  #line(agent: string, stream: OutputStream, line: string): void {
    let frame: Uint8Array | null = null;
    for (const { subscription, logs } of this.#entries.values()) {
      if (logs === null || (logs !== "all" && !logs.has(agent))) continue;
      frame ??= encodeJsonFrame(logFrame(agent, stream, isoTime(Date.now()), line));
      subscription.line(frame);
    }
  }

  /** Observes the output of the agents some subscriber follows (again, after a change). */
  #observe(): void {
    this.#stopOutput?.();
    this.#stopOutput = null;
    let agents: Set<string> | null = new Set();
    for (const { logs } of this.#entries.values()) {
      if (logs === "all") {
        agents = null;
        break;
      }
      if (logs !== null) { for (const name of logs) agents.add(name); }
    }
    if (agents !== null && agents.size === 0) return;
    this.#stopOutput = this.#controller.observeOutput({
      agents,
      onLine: (agent, stream, line) => this.#line(agent, stream, line),
    });
  }

  #remove(channel: SubscriberChannel): void {
    const entry = this.#entries.get(channel);
    if (entry === undefined) return;
    this.#entries.delete(channel);
    if (entry.logs !== null) this.#observe();
    if (this.#entries.size === 0) {
      this.#stopEvents?.();
      this.#stopEvents = null;
    }
  }
}
