/**
 * A lean framed-JSON client for measuring the control socket (docs/protocol.md), not
 * the product client (`lib/control/client.ts`): it sends one pre-encoded
 * request frame, reads exactly one answer frame by its 4-byte big-endian
 * header into one reused buffer, and checks by byte compare that the answer
 * starts with `{"status":"success"`. Only the first answer is `JSON.parse`d
 * (to validate its shape); timed answers are not decoded, so a latency is
 * the server's cost plus the machine's IPC, like wrk for HTTP.
 *
 * @example
 * ```ts
 * const c = await FramedClient.connect("/tmp/o.sock");
 * const status = encodeRequestFrame({ command: "status" });
 * try {
 *   await c.call(status); // first answer parsed and validated
 *   const t = performance.now();
 *   await c.call(status);
 *   console.log(`${((performance.now() - t) * 1000).toFixed(0)} µs`);
 * } finally {
 *   c.close();
 * }
 * ```
 *
 * @module
 */

/** `{"status":"success"` as bytes: the start of every accepted answer. */
export const SUCCESS_PREFIX: Uint8Array = new TextEncoder().encode('{"status":"success"');

/** Default bound on one answer's body (larger answers are a protocol error). */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

const INITIAL_BUFFER_BYTES = 16 * 1024;

/** One request as a frame: 4-byte big-endian length, then the UTF-8 JSON (pure). */
export function encodeRequestFrame(request: unknown): Uint8Array {
  const json = JSON.stringify(request);
  if (json === undefined) throw new TypeError("Cannot encode a request: not JSON-serialisable");
  return frameOf(new TextEncoder().encode(json));
}

/** `body` behind its 4-byte big-endian length header (pure). */
export function frameOf(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Whether `bytes[at…at+len)` starts with `{"status":"success"` (pure). */
export function isSuccessAnswer(bytes: Uint8Array, at: number, len: number): boolean {
  if (len < SUCCESS_PREFIX.length) return false;
  for (let i = 0; i < SUCCESS_PREFIX.length; i++) {
    if (bytes[at + i] !== SUCCESS_PREFIX[i]) return false;
  }
  return true;
}

/** First `max` characters of `bytes` decoded (for error messages; pure). */
function excerpt(bytes: Uint8Array, max = 200): string {
  return new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, max * 4))).slice(0, max);
}

/** Options of {@link FramedClient.connect}. */
export interface FramedClientOptions {
  /** Bound on one answer's body; default 64 MiB. */
  maxAnswerBytes?: number;
}

/** A persistent connection that sends frames and reads one answer frame per call. */
export class FramedClient {
  #conn: Deno.UnixConn;
  #buf = new Uint8Array(INITIAL_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  #max: number;
  #validated = false;
  #first: unknown = undefined;
  #lastAnswerBytes = 0;
  #closed = false;

  private constructor(conn: Deno.UnixConn, options: FramedClientOptions) {
    this.#conn = conn;
    this.#max = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  /** Connects to the UNIX socket at `path`. */
  static async connect(path: string, options: FramedClientOptions = {}): Promise<FramedClient> {
    const conn = await Deno.connect({ transport: "unix", path });
    return new FramedClient(conn, options);
  }

  /** The first answer, parsed (`undefined` before the first call). */
  get firstAnswer(): unknown {
    return this.#first;
  }

  /** Body size in bytes of the last answer (0 before the first call). */
  get lastAnswerBytes(): number {
    return this.#lastAnswerBytes;
  }

  /**
   * Sends `frame` (already encoded, header included) and reads its answer.
   * Throws when the answer is not a success (with its first 200 characters),
   * on a bad header, or when the connection closes mid-answer. The first
   * answer is also parsed: it must be a JSON object with `status` "success"
   * and `data`.
   */
  async call(frame: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error("Cannot call: the client is closed");
    let written = await this.#conn.write(frame);
    while (written < frame.length) written += await this.#conn.write(frame.subarray(written));
    await this.#need(4);
    const b = this.#buf;
    const s = this.#start;
    const len = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
    if (len === 0 || len > this.#max) {
      throw new Error(`Cannot read an answer of ${len} bytes: expected 1 to ${this.#max}`);
    }
    await this.#need(4 + len);
    const at = this.#start + 4;
    const body = this.#buf;
    this.#start = at + len;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#lastAnswerBytes = len;
    if (!isSuccessAnswer(body, at, len)) {
      throw new Error(`Answer is not a success: ${excerpt(body.subarray(at, at + len))}`);
    }
    if (!this.#validated) this.#validate(body.subarray(at, at + len));
  }

  #validate(body: Uint8Array): void {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch (error) {
      throw new Error(`Answer is not JSON (${(error as Error).message}): ${excerpt(body)}`);
    }
    const v = value as { status?: unknown } | null;
    if (
      v === null || typeof v !== "object" || Array.isArray(v) || v.status !== "success" ||
      !("data" in v)
    ) {
      throw new Error(`Answer is not a success response with data: ${excerpt(body)}`);
    }
    this.#first = value;
    this.#validated = true;
  }

  /** Reads until `n` bytes are buffered from `#start`, compacting or growing the buffer. */
  async #need(n: number): Promise<void> {
    while (this.#end - this.#start < n) {
      if (this.#start + n > this.#buf.length) {
        const used = this.#end - this.#start;
        if (n > this.#buf.length) {
          const next = new Uint8Array(Math.max(n, this.#buf.length * 2));
          next.set(this.#buf.subarray(this.#start, this.#end));
          this.#buf = next;
        } else {
          this.#buf.copyWithin(0, this.#start, this.#end);
        }
        this.#start = 0;
        this.#end = used;
      }
      const got = await this.#conn.read(this.#buf.subarray(this.#end));
      if (got === null) {
        throw new Error(
          `Connection closed after ${this.#end - this.#start} of ${n} bytes of an answer`,
        );
      }
      this.#end += got;
    }
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/** Latencies in ns of `count` sequential calls of `frame` on one connection to `path`. */
export async function sequentialLatencies(
  path: string,
  frame: Uint8Array,
  count: number,
  warmup = 0,
): Promise<number[]> {
  const c = await FramedClient.connect(path);
  try {
    await c.call(frame);
    for (let i = 0; i < warmup; i++) await c.call(frame);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await c.call(frame);
      out[i] = (performance.now() - t) * 1e6;
    }
    return out;
  } finally {
    c.close();
  }
}

/**
 * Requests/s of `connections` clients to `path`, each sending `frame` and
 * waiting for its answer before the next (closed loop), for `ms`; every
 * client's first answer is validated before the clock starts.
 */
export async function closedLoopRate(
  path: string,
  frame: Uint8Array,
  connections: number,
  ms: number,
): Promise<number> {
  const clients: FramedClient[] = [];
  try {
    for (let i = 0; i < connections; i++) clients.push(await FramedClient.connect(path));
    await Promise.all(clients.map((c) => c.call(frame)));
    let done = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < end) {
        await c.call(frame);
        done++;
      }
    }));
    return done / ((performance.now() - t0) / 1000);
  } finally {
    for (const c of clients) c.close();
  }
}
