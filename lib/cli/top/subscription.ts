/**
 * One `subscribe` connection of `orchestrator top` (docs/protocol.md,
 * `subscribe`): sends the request, reads its answer, then hands every
 * pushed frame to a callback until the connection ends. Thin I/O over the
 * frame codec.
 *
 * @module
 */

import { closeQuietly } from "../../close_quietly.ts";
import { encodeFrame, FrameReader, writeAll } from "../../control/frame.ts";
import { currentIdentity } from "../../control/client.ts";
import { isResponse } from "../../control/protocol.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../../protocol/limits.ts";
import { parsePushed, type Pushed } from "./pushed.ts";

/** How a subscribe request was answered. */
export type SubscribeOutcome =
  | { ok: true; subscription: Subscription }
  | { ok: false; code: number; error: string };

const decoder = new TextDecoder();

/** A live subscription; `closed` resolves with why it ended. */
export class Subscription {
  readonly #conn: Deno.UnixConn;
  readonly closed: Promise<string>;
  #closing = false;

  private constructor(conn: Deno.UnixConn, reader: FrameReader, onFrame: (p: Pushed) => void) {
    this.#conn = conn;
    this.closed = this.#read(reader, onFrame);
  }

  /**
   * Connects to `socket` and subscribes with `options`. Resolves with the
   * subscription, or the error the server answered (e.g. 404 when it has no
   * `subscribe` command, 403 when it is not allowed). Rejects when it cannot
   * connect or the answer does not come within `timeoutMs`.
   */
  static async open(
    socket: string,
    options: Record<string, unknown>,
    onFrame: (p: Pushed) => void,
    timeoutMs = 5000,
  ): Promise<SubscribeOutcome> {
    const conn = await Deno.connect({ transport: "unix", path: socket });
    const reader = new FrameReader(conn, { maxFrameBytes: 64 * DEFAULT_MAX_FRAME_BYTES });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await writeAll(
        conn,
        encodeFrame({ command: "subscribe", options, client: currentIdentity() }),
      );
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("No answer to subscribe in time")), timeoutMs);
      });
      const first = await Promise.race([reader.read(), timeout]);
      if (first.kind !== "frame") throw new Error("The orchestrator closed the connection");
      const answer = JSON.parse(decoder.decode(first.payload));
      if (!isResponse(answer)) throw new Error("Bad answer to subscribe");
      if (answer.status === "error") {
        conn.close();
        return { ok: false, code: answer.code, error: answer.error };
      }
      return { ok: true, subscription: new Subscription(conn, reader, onFrame) };
    } catch (error) {
      closeQuietly(conn);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the subscription. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    closeQuietly(this.#conn);
  }

  async #read(reader: FrameReader, onFrame: (p: Pushed) => void): Promise<string> {
    try {
      for (;;) {
        const outcome = await reader.read();
        if (outcome.kind === "eof") return "The orchestrator closed the subscription";
        if (outcome.kind !== "frame") return `Bad frame: ${outcome.message}`;
        let value: unknown;
        try {
          value = JSON.parse(decoder.decode(outcome.payload));
        } catch {
          continue; // not JSON: skipped
        }
        const pushed = parsePushed(value);
        if (pushed !== null) onFrame(pushed);
        if (pushed?.kind === "overflow") return "The subscription overflowed";
      }
    } catch (error) {
      return this.#closing ? "closed" : `Subscription lost: ${(error as Error).message}`;
    } finally {
      this.close();
    }
  }
}
