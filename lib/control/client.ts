/**
 * A control-socket client: connect, send requests, read responses. One
 * connection carries many requests; `request()` may be called again before
 * earlier answers arrive (pipelining) — answers are matched in order.
 *
 * Imports only the frame codec and protocol types, so `orchestrator ps`
 * loads in a few milliseconds.
 *
 * @example
 * ```ts
 * const client = await ControlClient.connect("/tmp/orchestrator.sock");
 * const res = await client.request("status", ["web"]);
 * if (res.status === "success") console.log(res.data);
 * client.close();
 * ```
 *
 * @module
 */

import { closeQuietly } from "../close_quietly.ts";
import { encodeJsonFrame, FrameReader, writeAll } from "./frame.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/limits.ts";
import { type ClientIdentity, type ControlResponse, isResponse } from "./protocol.ts";

/** Why a client call failed without an answer from the orchestrator. */
export type ClientErrorKind = "connect" | "timeout" | "closed" | "protocol";

/** A failure to talk to the orchestrator (as opposed to an error response). */
export class ClientError extends Error {
  /** What went wrong. */
  readonly kind: ClientErrorKind;
  /** The socket path. */
  readonly path: string;

  constructor(kind: ClientErrorKind, path: string, message: string) {
    super(message);
    this.name = "ClientError";
    this.kind = kind;
    this.path = path;
  }
}

/** Options of `ControlClient.connect`. */
export interface ClientOptions {
  /** Milliseconds to wait for each answer (and for the connection); default 60,000. */
  timeoutMs?: number;
  /** Largest answer accepted; default 64 MiB. */
  maxFrameBytes?: number;
  /** Identity reported to the server; default: this process's uid, `$USER` and pid. */
  identity?: ClientIdentity;
  /**
   * Aborting closes the connection; pending requests reject with a
   * `ClientError` of kind `timeout` when the reason is a `TimeoutError`
   * (e.g. `AbortSignal.timeout(ms)`), else `closed`. When given, the client
   * arms no timer of its own (`timeoutMs` is ignored): the first
   * `setTimeout` of a Deno process costs ~8 ms, a third of a CLI call.
   */
  signal?: AbortSignal;
  /**
   * Where the socket path came from, named in connect errors (the CLI says
   * e.g. `from --socket`, or `the default; set --socket, …`).
   */
  origin?: string;
}

const decoder = new TextDecoder();

/** Frames of requests that are just a command name (`{"command":"ps"}`), built once each. */
const plainFrames = new Map<string, Uint8Array>();
const PLAIN_FRAMES_MAX = 64;

interface Pending {
  resolve: (response: ControlResponse) => void;
  reject: (error: ClientError) => void;
  deadline: number;
}

/** The identity this process reports: uid, `$USER`/`$LOGNAME` when set, pid. */
export function currentIdentity(): ClientIdentity {
  const identity: ClientIdentity = { uid: Deno.uid() ?? undefined, pid: Deno.pid };
  const user = Deno.env.get("USER") ?? Deno.env.get("LOGNAME");
  if (user !== undefined && user !== "") identity.user = user;
  return identity;
}

/** What kind of file is at `path`, for a connect error (`undefined` when it cannot be told). */
function fileKind(path: string): string | undefined {
  try {
    const info = Deno.statSync(path);
    if (info.isSocket) return "socket";
    if (info.isFile) return "a regular file";
    if (info.isDirectory) return "a directory";
    if (info.isFifo) return "a FIFO";
    if (info.isCharDevice || info.isBlockDevice) return "a device";
    return "an unknown kind of file";
  } catch {
    return undefined;
  }
}

/**
 * Connects to the UNIX socket at `path`; a failure is a `ClientError` of kind
 * `connect` whose message names the path, where it came from (`origin`) and
 * why (see {@link connectErrorMessage}).
 */
export async function dialSocket(path: string, origin?: string): Promise<Deno.UnixConn> {
  try {
    return await Deno.connect({ transport: "unix", path });
  } catch (error) {
    throw new ClientError("connect", path, connectErrorMessage(path, error, origin));
  }
}

/**
 * Describes a connect failure: the path, where it came from (`origin`, e.g.
 * `the default; set --socket …`) and why, e.g.
 * `Cannot connect to "/tmp/o.sock" (from --socket): no such file`. Looks at
 * what is at the path (only on failure) to tell a socket nobody listens on
 * from a regular file, directory or FIFO.
 */
export function connectErrorMessage(path: string, error: unknown, origin?: string): string {
  const where = `Cannot connect to ${JSON.stringify(path)}${
    origin === undefined ? "" : ` (${origin})`
  }`;
  if (error instanceof Deno.errors.NotFound) return `${where}: no such file`;
  if (error instanceof Deno.errors.PermissionDenied) return `${where}: permission denied`;
  if (error instanceof Deno.errors.ConnectionRefused) {
    const kind = fileKind(path);
    if (kind === undefined || kind === "socket") {
      return `${where}: connection refused: no orchestrator listens on this socket ` +
        "(left behind by one that was killed?)";
    }
    return `${where}: not a socket (${kind})`;
  }
  return `${where}: ${(error as Error).message}`;
}

/** A connection to the control socket. */
export class ControlClient {
  #conn: Deno.UnixConn;
  #path: string;
  #reader: FrameReader;
  #pending: Pending[] = [];
  #timeoutMs: number;
  #identity: ClientIdentity | undefined;
  #closed = false;
  #failure: ClientError | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reading = false;
  #useTimer: boolean;

  private constructor(conn: Deno.UnixConn, path: string, options: ClientOptions) {
    this.#conn = conn;
    this.#path = path;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#useTimer = options.signal === undefined;
    options.signal?.addEventListener("abort", () => {
      const reason = options.signal!.reason;
      const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
      this.#fail(
        timedOut
          ? new ClientError("timeout", path, `No answer from orchestrator at "${path}" in time`)
          : new ClientError("closed", path, "Request aborted"),
      );
    }, { once: true });
    this.#reader = new FrameReader(conn, {
      maxFrameBytes: options.maxFrameBytes ?? 64 * DEFAULT_MAX_FRAME_BYTES,
    });
    this.#identity = options.identity ?? currentIdentity();
  }

  /** Connects to the socket at `path`. Rejects with a `ClientError` of kind `connect`. */
  static async connect(path: string, options: ClientOptions = {}): Promise<ControlClient> {
    if (options.signal?.aborted === true) {
      throw new ClientError("timeout", path, `No answer from orchestrator at "${path}" in time`);
    }
    return new ControlClient(await dialSocket(path, options.origin), path, options);
  }

  /** The socket path. */
  get path(): string {
    return this.#path;
  }

  /**
   * Sends one request and resolves with its response (success or error).
   * Rejects with a `ClientError` when the connection fails or the answer does
   * not come within the timeout.
   */
  request(
    command: string,
    args: readonly string[] = [],
    options: Record<string, unknown> = {},
  ): Promise<ControlResponse> {
    let plain = args.length === 0 && this.#identity === undefined;
    for (const _ in options) {
      plain = false; // options has a key
      break;
    }
    if (plain) {
      // The usual repeated call (`ps`, `stats` …): the same bytes every time.
      let frame = plainFrames.get(command);
      if (frame === undefined) {
        frame = encodeJsonFrame(JSON.stringify({ command }));
        if (plainFrames.size < PLAIN_FRAMES_MAX) plainFrames.set(command, frame);
      }
      return this.#send(frame);
    }
    const body: Record<string, unknown> = { command };
    if (args.length > 0) body.args = args;
    for (const _ in options) {
      body.options = options; // only when it has a key
      break;
    }
    if (this.#identity !== undefined) {
      body.client = this.#identity;
      this.#identity = undefined; // the server remembers it for the connection
    }
    return this.send(body);
  }

  /** Sends a raw request object (e.g. with an `id`) and resolves with its response. */
  send(body: Record<string, unknown>): Promise<ControlResponse> {
    return this.#send(encodeJsonFrame(JSON.stringify(body)));
  }

  /** Writes one framed request (never modified afterwards) and queues its answer. */
  #send(frame: Uint8Array): Promise<ControlResponse> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#closed) {
      return Promise.reject(new ClientError("closed", this.#path, "Connection closed"));
    }
    const promise = new Promise<ControlResponse>((resolve, reject) => {
      this.#pending.push({ resolve, reject, deadline: performance.now() + this.#timeoutMs });
    });
    writeAll(this.#conn, frame).catch((error) =>
      this.#fail(new ClientError("closed", this.#path, `Cannot send request: ${error.message}`))
    );
    if (!this.#reading) this.#readLoop();
    this.#arm();
    return promise;
  }

  /** Closes the connection; pending requests reject. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    closeQuietly(this.#conn);
    this.#fail(new ClientError("closed", this.#path, "Connection closed"));
  }

  /** Clears the timer, touching the timer API only when one exists (its first use costs ~8 ms). */
  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One timer per client, not per request: it fires at the oldest pending
   * deadline, re-arms itself for the next one, and is unref'd (a pending
   * read keeps the process alive, an idle client does not).
   */
  #arm(): void {
    if (!this.#useTimer || this.#timer !== undefined || this.#pending.length === 0) return;
    const wait = Math.max(0, this.#pending[0].deadline - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#pending.length > 0 && this.#pending[0].deadline <= performance.now()) {
        this.#fail(
          new ClientError(
            "timeout",
            this.#path,
            `No answer from orchestrator at "${this.#path}" within ${this.#timeoutMs / 1000} s`,
          ),
        );
        this.close();
      } else {
        this.#arm();
      }
    }, wait);
    Deno.unrefTimer(this.#timer);
  }

  async #readLoop(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#pending.length > 0 && !this.#closed) {
        const outcome = await this.#reader.read();
        if (outcome.kind !== "frame") {
          const message = outcome.kind === "eof"
            ? `Orchestrator at "${this.#path}" closed the connection`
            : `Bad answer from orchestrator: ${outcome.message}`;
          this.#fail(
            new ClientError(outcome.kind === "eof" ? "closed" : "protocol", this.#path, message),
          );
          return;
        }
        let value: unknown;
        try {
          value = JSON.parse(decoder.decode(outcome.payload));
        } catch {
          value = undefined;
        }
        const pending = this.#pending.shift();
        if (!isResponse(value)) {
          this.#fail(new ClientError("protocol", this.#path, "Bad answer from orchestrator"));
          pending?.reject(new ClientError("protocol", this.#path, "Bad answer from orchestrator"));
          return;
        }
        pending?.resolve(value);
      }
    } catch (error) {
      this.#fail(
        new ClientError("closed", this.#path, `Connection lost: ${(error as Error).message}`),
      );
    } finally {
      this.#reading = false;
    }
  }

  #fail(error: ClientError): void {
    if (this.#failure === null) this.#failure = error;
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) p.reject(error);
    if (!this.#closed) {
      this.#closed = true;
      this.#clearTimer();
      closeQuietly(this.#conn);
    }
  }
}

/** One request for `requestOnce`. */
export interface RequestSpec {
  command: string;
  args?: readonly string[];
  options?: Record<string, unknown>;
}

/**
 * Connects, sends one request, and closes.
 *
 * @example
 * ```ts
 * const res = await requestOnce("/tmp/orchestrator.sock", { command: "ps" });
 * ```
 */
export async function requestOnce(
  path: string,
  spec: RequestSpec,
  options: ClientOptions = {},
): Promise<ControlResponse> {
  const client = await ControlClient.connect(path, options);
  try {
    return await client.request(spec.command, spec.args, spec.options);
  } finally {
    client.close();
  }
}
