/**
 * Event types recorded by the orchestrator (docs/operations.md) and their categories.
 *
 * @module
 */

/** Event categories. */
export type EventCategory = "agent" | "command" | "system";

/** The categories, in a fixed order. */
export const EVENT_CATEGORY_NAMES: readonly EventCategory[] = ["agent", "command", "system"];

/** Every event name, with its category. */
export const EVENT_CATEGORIES = {
  ORCHESTRATOR_STARTED: "system",
  ORCHESTRATOR_SHUTDOWN: "system",
  CONFIG_RELOADED: "system",
  AGENT_STARTED: "agent",
  AGENT_READY: "agent",
  AGENT_COMPLETED: "agent",
  AGENT_FAILED: "agent",
  AGENT_RESTARTING: "agent",
  AGENT_STOPPED: "agent",
  AGENT_PAUSED: "agent",
  AGENT_RESUMED: "agent",
  AGENT_FATAL: "agent",
  COMMAND_EXECUTED: "command",
  COMMAND_REJECTED: "command",
} as const satisfies Record<string, EventCategory>;

/** An event name. */
export type EventName = keyof typeof EVENT_CATEGORIES;

/** A stored event. */
export interface OrchestratorEvent {
  /** Monotonic, assigned by the store. */
  id: number;
  event_name: EventName;
  category: EventCategory;
  agent_name: string | null;
  /** ISO 8601, UTC, millisecond precision (`2025-07-27T10:30:00.123Z`). */
  timestamp: string;
  data: Record<string, unknown>;
}

/** What a producer hands to the store; id, category and timestamp are filled in. */
export interface NewEvent {
  event_name: EventName;
  agent_name?: string | null;
  data?: Record<string, unknown>;
  /** Defaults to now. */
  timestamp?: string;
}

/** History filters (docs/protocol.md, `history`). Results are newest first. */
export interface EventQuery {
  /** Default 100, at most 10,000. */
  limit?: number;
  category?: EventCategory;
  agent?: string;
  event?: EventName;
  /** ISO timestamp, inclusive. */
  since?: string;
  /** ISO timestamp, exclusive. */
  until?: string;
}

/**
 * Which events a reader wants. Each field left out (or `null`) restricts
 * nothing; a list keeps only the events it names (an empty list keeps none).
 * An event must pass every field given.
 */
export interface EventFilter {
  categories?: readonly EventCategory[] | null;
  /** Agent names; an event without an agent never passes. */
  agents?: readonly string[] | null;
  events?: readonly EventName[] | null;
}

/** Told of one event, synchronously, right after it was appended. */
export type EventListener = (event: OrchestratorEvent) => void;

/** Live reading of the event store. */
export interface EventFeed {
  /** The id of the newest event appended (0 before the first). */
  readonly lastId: number;
  /** Every event with a smaller id has been pruned (retention). */
  readonly oldestId: number;
  /**
   * Calls `listener` with every event appended from now on, in id order,
   * synchronously inside `append`. A listener that throws is ignored. Returns
   * the function that removes it.
   */
  listen(listener: EventListener): () => void;
  /**
   * Up to `limit` stored events with an id above `id` that pass `filter`,
   * oldest first. Sees every appended event (commits the buffer first).
   */
  after(id: number, filter: EventFilter, limit: number): OrchestratorEvent[];
}

/** The store seen by producers and queries (implemented in `store.ts`). */
export interface EventSink extends EventFeed {
  /** Records an event and returns it with id and timestamp. Never blocks on I/O. */
  append(event: NewEvent): OrchestratorEvent;
  /** Newest first. */
  query(query?: EventQuery): OrchestratorEvent[];
  /**
   * Commits every appended event now; a no-op when none is waiting. Throws
   * when the write fails (the events stay buffered). The control server
   * calls it before it answers a state-changing command (docs/events.md,
   * "Durability").
   */
  flush(): void;
}
