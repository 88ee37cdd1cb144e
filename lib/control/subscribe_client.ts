/**
 * The client side of a subscription (docs/protocol.md, "subscribe"): one
 * connection that carries requests and their answers, in order, and the
 * frames the server pushes after a `subscribe` answer. A frame with a
 * `status` is an answer; one with a `type` was pushed.
 *
 * @example
 * ```ts
 * const client = await SubscriptionClient.connect("/tmp/orchestrator.sock");
 * const [answer] = client.send([{ command: "subscribe", options: { categories: ["agent"] } }]);
 * if ((await answer).status === "success") {
 *   for (let f = await client.next(); f !== null; f = await client.next()) console.log(f);
 * }
 * client.close();
 * ```
 *
 * @module
 */

import { closeQuietly } from "../close_quietly.ts";
import {
  ClientError,
  type ClientOptions,
  currentIdentity,
  dialSocket,
  type RequestSpec,
} from "./client.ts";
import { encodeJsonFrame, FrameReader, writeAll } from "./frame.ts";
import { type ClientIdentity, type ControlResponse, isResponse } from "./protocol.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/limits.ts";

/** A frame the server pushed: an object with a `type`. */
export type Pushed = { type: string } & Record<string, unknown>;

interface Pending {
  resolve: (response: ControlResponse) => void;
  reject: (error: ClientError) => void;
}

const decoder = new TextDecoder();

/** A connection for a subscription. Create with {@linkcode SubscriptionClient.connect}. */
export class SubscriptionClient {
  #conn: Deno.UnixConn;
  #path: string;
  #reader: FrameReader;
  #identity: ClientIdentity | undefined;
  #pending: Pending[] = [];
  /** Pushed frames read while an answer was awaited and nobody asked for them yet. */
  #pushed: Pushed[] = [];
  #waiter: ((frame: Pushed | null) => void) | null = null;
  #reading = false;
  #ended: ClientError | null = null;

  private constructor(conn: Deno.UnixConn, path: string, options: ClientOptions) {
    this.#conn = conn;
    this.#path = path;
    this.#reader = new FrameReader(conn, {
      maxFrameBytes: options.maxFrameBytes ?? 64 * DEFAULT_MAX_FRAME_BYTES,
    });
    this.#identity = options.identity ?? currentIdentity();
  }

  /** Connects to the socket at `path`. Rejects with a `ClientError` of kind `connect`. */
  static async connect(path: string, options: ClientOptions = {}): Promise<SubscriptionClient> {
    return new SubscriptionClient(await dialSocket(path, options.origin), path, options);
  }

  /** The socket path. */
  get path(): string {
    return this.#path;
  }

  /**
   * Sends requests, in one write, and returns the promises of their answers,
   * in order. A promise rejects with a `ClientError` when the connection
   * ends first.
   */
  send(requests: readonly RequestSpec[]): Promise<ControlResponse>[] {
    const frames: Uint8Array[] = [];
    const answers = requests.map((spec) => {
      const body: Record<string, unknown> = { command: spec.command };
      if (spec.args !== undefined && spec.args.length > 0) body.args = spec.args;
      if (spec.options !== undefined && Object.keys(spec.options).length > 0) {
        body.options = spec.options;
      }
      if (this.#identity !== undefined) {
        body.client = this.#identity; // once per connection
        this.#identity = undefined;
      }
      frames.push(encodeJsonFrame(JSON.stringify(body)));
      if (this.#ended !== null) return Promise.reject(this.#ended);
      return new Promise<ControlResponse>((resolve, reject) => {
        this.#pending.push({ resolve, reject });
      });
    });
    if (this.#ended === null) {
      const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      let at = 0;
      for (const f of frames) {
        bytes.set(f, at);
        at += f.length;
      }
      writeAll(this.#conn, bytes).catch((error) =>
        this.#end(new ClientError("closed", this.#path, `Cannot send request: ${error.message}`))
      );
      this.#read();
    }
    return answers;
  }

  /** The next pushed frame; `null` once the connection has ended (`ended` says why). */
  next(): Promise<Pushed | null> {
    const buffered = this.#pushed.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    if (this.#ended !== null) return Promise.resolve(null);
    const frame = new Promise<Pushed | null>((resolve) => (this.#waiter = resolve));
    this.#read();
    return frame;
  }

  /** Why the connection ended, or `null` while it is open. */
  get ended(): ClientError | null {
    return this.#ended;
  }

  /** Closes the connection: unanswered requests reject, `next` returns `null`. */
  close(): void {
    this.#end(new ClientError("closed", this.#path, "Connection closed"));
  }

  /** Reads frames while an answer or a pushed frame is awaited. */
  async #read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#ended === null && (this.#pending.length > 0 || this.#waiter !== null)) {
        const outcome = await this.#reader.read();
        if (outcome.kind !== "frame") {
          this.#end(
            outcome.kind === "eof"
              ? new ClientError(
                "closed",
                this.#path,
                `Orchestrator at "${this.#path}" closed the connection`,
              )
              : new ClientError(
                "protocol",
                this.#path,
                `Bad frame from orchestrator: ${outcome.message}`,
              ),
          );
          return;
        }
        this.#dispatch(outcome.payload);
      }
    } catch (error) {
      this.#end(
        new ClientError("closed", this.#path, `Connection lost: ${(error as Error).message}`),
      );
    } finally {
      this.#reading = false;
    }
  }

  #dispatch(payload: Uint8Array): void {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(payload));
    } catch {
      value = undefined;
    }
    if (isResponse(value) && this.#pending.length > 0) {
      this.#pending.shift()!.resolve(value);
      return;
    }
    if (typeof value === "object" && value !== null && typeof (value as Pushed).type === "string") {
      const waiter = this.#waiter;
      this.#waiter = null;
      if (waiter === null) this.#pushed.push(value as Pushed);
      else waiter(value as Pushed);
      return;
    }
    this.#end(new ClientError("protocol", this.#path, "Bad frame from orchestrator"));
  }

  #end(error: ClientError): void {
    if (this.#ended !== null) return;
    this.#ended = error;
    closeQuietly(this.#conn);
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) p.reject(error);
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  }
}
