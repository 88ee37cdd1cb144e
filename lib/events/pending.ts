/**
 * The event store's buffer of events appended and not yet committed, kept
 * column by column (one array per field) instead of one object per event.
 *
 * Buffered events live for up to one flush interval, long enough to survive
 * young-generation collections; every object among them is copied by each
 * one. Here an event adds no object of its own: its id is a small integer,
 * its name a constant string, its agent and timestamp strings that events
 * often share (an agent's name, the timestamp of the current millisecond),
 * and its data one string. Under a polling client this kept garbage
 * collection pauses at about half their length.
 *
 * @module
 */

import type { EventName } from "./event.ts";

/** Buffered events, in append order. */
export class PendingEvents {
  readonly ids: number[] = [];
  readonly names: EventName[] = [];
  readonly agents: (string | null)[] = [];
  readonly timestamps: string[] = [];
  /** The stored `data`, as JSON object text. */
  readonly jsons: string[] = [];

  /** Events buffered. */
  get length(): number {
    return this.ids.length;
  }

  /** Buffers one event. */
  push(id: number, name: EventName, agent: string | null, timestamp: string, json: string): void {
    this.ids.push(id);
    this.names.push(name);
    this.agents.push(agent);
    this.timestamps.push(timestamp);
    this.jsons.push(json);
  }

  /** Drops the oldest event. */
  dropOldest(): void {
    this.ids.shift();
    this.names.shift();
    this.agents.shift();
    this.timestamps.shift();
    this.jsons.shift();
  }

  /** Drops every event. */
  clear(): void {
    this.ids.length = 0;
    this.names.length = 0;
    this.agents.length = 0;
    this.timestamps.length = 0;
    this.jsons.length = 0;
  }
}
