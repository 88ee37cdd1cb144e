/**
 * One subscriber's stream (docs/protocol.md, "subscribe"): what it is sent,
 * in what order, and its bounds. The state machine, with one writer per
 * move:
 *
 * - `starting` → `snapshot` | `replay` (`start`, once the answer is written);
 * - `snapshot` → `replay` (after the `snapshot_end` frame);
 * - `replay` → `live` (a read of the store found nothing more after the cursor);
 * - any → `closed` (`close`, overflow, or the connection failing).
 *
 * Events never wait in memory before `live`: the snapshot and the replay are
 * read as the client reads (a window of {@linkcode SUBSCRIBER_WINDOW} frames
 * handed to the connection and not yet written), and the store is read from
 * the cursor until nothing is left, then live delivery begins in the same
 * turn of the event loop, so no event is missed or sent twice. Output lines
 * (live only) and live events wait in a queue bounded by
 * {@linkcode SUBSCRIBER_QUEUE_FRAMES} frames and
 * {@linkcode SUBSCRIBER_QUEUE_BYTES} bytes; a subscriber past either gets one
 * `overflow` frame and its connection is closed.
 *
 * @module
 */

import type { EventFeed, EventFilter, OrchestratorEvent } from "../events/event.ts";
import { isoTime } from "../iso_time.ts";
import type { Answer } from "./connection.ts";
import { eventFrame, markFrame, overflowFrame } from "./subscribe_frames.ts";

/** Most frames waiting for one subscriber (beyond the window). */
export const SUBSCRIBER_QUEUE_FRAMES = 2048;
/** Most bytes of frames waiting for one subscriber (beyond the window). */
export const SUBSCRIBER_QUEUE_BYTES = 1024 * 1024;
/** Frames handed to the connection and not yet written, per subscriber, at most. */
export const SUBSCRIBER_WINDOW = 64;

/** The connection as a subscription uses it. */
export interface PushChannel {
  /** Queues a frame; `after` runs once it is written. False when the connection takes no more. */
  push(frame: Answer, after?: (() => void) | null): boolean;
  /** Closes the connection. */
  close(): void;
}

/** Where a subscription is in its life (see the module doc). */
export type SubscriptionPhase = "starting" | "snapshot" | "replay" | "live" | "closed";

/** What a {@linkcode Subscription} needs. */
export interface SubscriptionOptions {
  channel: PushChannel;
  feed: EventFeed;
  filter: EventFilter;
  /** The stream starts after this event id. */
  cursor: number;
  /** The `snapshot` frames, or `null` for none (and no `snapshot_end`). */
  snapshot: readonly string[] | null;
  /** Milliseconds between heartbeats. */
  heartbeatMs: number;
  /** Called once, when it closes. */
  onClose: (subscription: Subscription) => void;
}

/** One subscriber's stream; the hub (`subscribe_hub.ts`) feeds it. */
export class Subscription {
  /** Which events it is sent. */
  readonly filter: EventFilter;
  #phase: SubscriptionPhase = "starting";
  #channel: PushChannel;
  #feed: EventFeed;
  #onClose: (subscription: Subscription) => void;
  /** Replay position, then the floor of live events: ids up to it are never sent live. */
  #cursor: number;
  /** Every event up to this id that passes the filter has been handed to the connection. */
  #sent: number;
  #snapshot: readonly string[] | null;
  #snapshotAt = 0;
  #heartbeatMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Frames waiting, from `#head` on, and the event id of each (0 for other frames). */
  #queue: Answer[] = [];
  #ids: number[] = [];
  #head = 0;
  #queueBytes = 0;
  /** Frames handed to the connection and not yet written. */
  #window = 0;
  #written = () => {
    this.#window--;
    this.#pump();
  };

  constructor(options: SubscriptionOptions) {
    this.filter = options.filter;
    this.#channel = options.channel;
    this.#feed = options.feed;
    this.#cursor = options.cursor;
    this.#sent = options.cursor;
    this.#snapshot = options.snapshot;
    this.#heartbeatMs = options.heartbeatMs;
    this.#onClose = options.onClose;
  }

  /** Where it is in its life. */
  get phase(): SubscriptionPhase {
    return this.#phase;
  }

  /** True when nothing waits to be written (or it is closed). */
  get settled(): boolean {
    return this.#phase === "closed" ||
      (this.#phase === "live" && this.#window === 0 && this.#queued === 0);
  }

  get #queued(): number {
    return this.#queue.length - this.#head;
  }

  /** The answer is written: sends the snapshot, the replay, then live frames. */
  start(): void {
    if (this.#phase !== "starting") return;
    // starting -> snapshot | replay
    this.#phase = this.#snapshot === null ? "replay" : "snapshot";
    this.#timer = setInterval(() => this.#heartbeat(), this.#heartbeatMs);
    Deno.unrefTimer(this.#timer);
    this.#pump();
  }

  /** A live event that passes the filter (ignored before `live`: the replay reads it). */
  event(id: number, frame: Answer): void {
    if (this.#phase !== "live" || id <= this.#cursor) return;
    this.#enqueue(frame, id);
  }

  /** A live output line (it waits while the snapshot or the answer is not out yet). */
  line(frame: Answer): void {
    if (this.#phase !== "closed") this.#enqueue(frame, 0);
  }

  /** Stops it (the connection closed). */
  close(): void {
    this.#end();
  }

  #enqueue(frame: Answer, id: number): void {
    if (this.#phase === "live" && this.#queued === 0 && this.#window < SUBSCRIBER_WINDOW) {
      this.#send(frame, id); // nothing waits before it: straight to the connection
      return;
    }
    const size = frame.length;
    if (
      this.#queued >= SUBSCRIBER_QUEUE_FRAMES || this.#queueBytes + size > SUBSCRIBER_QUEUE_BYTES
    ) {
      this.#overflow(
        `Subscriber too slow: more than ${SUBSCRIBER_QUEUE_FRAMES} frames or ` +
          `${SUBSCRIBER_QUEUE_BYTES} bytes waiting`,
      );
      return;
    }
    this.#queue.push(frame);
    this.#ids.push(id);
    this.#queueBytes += size;
    this.#pump();
  }

  /** Hands frames to the connection while the window has room, in order. */
  #pump(): void {
    while (this.#window < SUBSCRIBER_WINDOW) {
      const phase = this.#phase;
      if (phase === "starting" || phase === "closed") return;
      if (phase === "snapshot") {
        this.#sendSnapshot();
      } else if (this.#queued > 0) {
        this.#sendQueued();
      } else if (phase === "replay") {
        this.#replay();
      } else {
        return;
      }
    }
  }

  #sendSnapshot(): void {
    const frames = this.#snapshot!;
    if (this.#snapshotAt < frames.length) {
      this.#send(frames[this.#snapshotAt++], 0);
      return;
    }
    this.#snapshot = null;
    // snapshot -> replay: after snapshot_end
    this.#phase = "replay";
    this.#send(markFrame("snapshot_end", this.#cursor), 0);
  }

  #sendQueued(): void {
    const at = this.#head++;
    const frame = this.#queue[at];
    const id = this.#ids[at];
    this.#queueBytes -= frame.length;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#ids.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024) {
      this.#queue.splice(0, this.#head);
      this.#ids.splice(0, this.#head);
      this.#head = 0;
    }
    this.#send(frame, id);
  }

  /** Reads the next page of stored events after the cursor; `live` once none are left. */
  #replay(): void {
    const room = SUBSCRIBER_WINDOW - this.#window;
    let page: OrchestratorEvent[];
    try {
      page = this.#feed.after(this.#cursor, this.filter, room);
    } catch (error) {
      this.#overflow(`Cannot read the event store: ${(error as Error).message}`);
      return;
    }
    for (const event of page) {
      this.#cursor = event.id;
      if (!this.#send(eventFrame(event), event.id)) return;
    }
    if (page.length < room) {
      // replay -> live: the store holds nothing more after the cursor
      this.#phase = "live";
      this.#sent = Math.max(this.#sent, this.#feed.lastId);
    }
  }

  #heartbeat(): void {
    if (this.#phase !== "live" || this.#window >= SUBSCRIBER_WINDOW || this.#queued > 0) return;
    // live and nothing waiting: every event so far that passes the filter was handed over
    this.#sent = Math.max(this.#sent, this.#feed.lastId);
    this.#send(markFrame("heartbeat", this.#sent, isoTime(Date.now())), 0);
  }

  /** One frame to the connection; false (and closed) when it takes no more. */
  #send(frame: Answer, id: number): boolean {
    if (!this.#channel.push(frame, this.#written)) {
      this.#end();
      this.#channel.close();
      return false;
    }
    this.#window++;
    if (id > this.#sent) this.#sent = id;
    return true;
  }

  /** Too slow (or the store failed): one overflow frame, then the connection closes. */
  #overflow(reason: string): void {
    const sent = this.#sent;
    this.#end();
    const channel = this.#channel;
    if (!channel.push(overflowFrame(sent, reason), () => channel.close())) channel.close();
  }

  #end(): void {
    if (this.#phase === "closed") return;
    // any -> closed
    this.#phase = "closed";
    clearInterval(this.#timer);
    this.#queue = [];
    this.#ids = [];
    this.#head = 0;
    this.#queueBytes = 0;
    this.#snapshot = null;
    this.#onClose(this);
  }
}
