/**
 * The IPC floor's server: a bare Deno UNIX-socket server that answers every
 * request frame (docs/protocol.md framing) with one fixed success frame and does
 * nothing else: no JSON parsing, no dispatch, no audit. What any server
 * costs on this machine.
 *
 * `deno run -A bench/measure/floor_server.ts SOCKET ANSWER_BYTES` prints
 * `ready` on stdout once it listens, and runs until SIGTERM/SIGINT.
 *
 * @module
 */

/** Smallest answer body: `{"status":"success","data":""}`. */
export const MIN_FLOOR_ANSWER_BYTES = '{"status":"success","data":""}'.length;

/**
 * The fixed answer body of `bytes` bytes (at least {@link MIN_FLOOR_ANSWER_BYTES}):
 * `{"status":"success","data":"xxx…"}` (pure).
 */
export function floorAnswerBody(bytes: number): Uint8Array {
  const pad = Math.max(0, Math.floor(bytes) - MIN_FLOOR_ANSWER_BYTES);
  return new TextEncoder().encode(`{"status":"success","data":"${"x".repeat(pad)}"}`);
}

/** Largest request frame body the floor server accepts. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** What {@link serveConnection} needs of a connection (a `Deno.Conn`, or the `node:net` adapter). */
export interface FloorConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** The whole frame (4-byte big-endian length, then `body`) sent as every answer (pure). */
export function answerFrame(body: Uint8Array): Uint8Array {
  const answer = new Uint8Array(4 + body.length);
  new DataView(answer.buffer).setUint32(0, body.length);
  answer.set(body, 4);
  return answer;
}

/**
 * Answers every request frame on `conn` with the frame `answer`, in order,
 * until EOF, an error or a framing violation; then closes `conn`.
 */
export async function serveConnection(conn: FloorConn, answer: Uint8Array): Promise<void> {
  let buf = new Uint8Array(4096);
  let start = 0;
  let end = 0;
  try {
    for (;;) {
      // Answer every complete frame in the buffer, in order.
      let answers = 0;
      while (end - start >= 4) {
        const len = ((buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) |
          buf[start + 3]) >>> 0;
        if (len === 0 || len > MAX_REQUEST_BYTES) return;
        if (end - start < 4 + len) break;
        start += 4 + len;
        answers++;
      }
      if (start === end) start = end = 0;
      for (let i = 0; i < answers; i++) {
        let w = await conn.write(answer);
        while (w < answer.length) w += await conn.write(answer.subarray(w));
      }
      if (end === buf.length) {
        if (start > 0) buf.copyWithin(0, start, end);
        else {
          const next = new Uint8Array(buf.length * 2);
          next.set(buf);
          buf = next;
        }
        end -= start;
        start = 0;
      }
      const n = await conn.read(buf.subarray(end));
      if (n === null) return;
      end += n;
    }
  } catch {
    // peer went away
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

/** `SOCKET ANSWER_BYTES` from the command line, or null when they are not valid (pure). */
export function floorArgs(args: string[]): { path: string; bytes: number } | null {
  const [path, size] = args;
  const bytes = Number(size);
  if (path === undefined || !Number.isInteger(bytes) || bytes < 0 || bytes > 16 * 1024 * 1024) {
    return null;
  }
  return { path, bytes };
}

async function main(args: string[]): Promise<number> {
  const parsed = floorArgs(args);
  if (parsed === null) {
    console.error("Usage: floor_server.ts SOCKET ANSWER_BYTES (0 to 16 MiB)");
    return 2;
  }
  const { path } = parsed;
  const answer = answerFrame(floorAnswerBody(parsed.bytes));
  const listener = Deno.listen({ transport: "unix", path });
  const stop = () => {
    try {
      listener.close();
    } catch {
      // already closed
    }
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  console.log("ready");
  try {
    for await (const conn of listener) serveConnection(conn, answer);
  } catch {
    // listener closed
  }
  await Deno.remove(path).catch(() => {});
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
