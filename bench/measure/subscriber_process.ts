/**
 * Subscribers for the subscribe bench, in a process of their own: opens
 * `count` subscriptions to `COMMAND_EXECUTED` events, says it is ready (a
 * file next to the socket), then records for each event frame the time
 * written in the event's first arg (the epoch ms at which the bench sent
 * the request, see bench/subscribe_bench.ts) and the delay to its arrival,
 * for `ms` milliseconds. Prints `[sent, delay, sent, delay, …]` (ms, one
 * JSON array) and exits.
 *
 * As a script: `deno run -A subscriber_process.ts SOCKET COUNT MS`
 *
 * @module
 */

import { encodeJsonFrame, writeAll } from "../../lib/control/frame.ts";

const SCRIPT = new URL(import.meta.url).pathname;
const ARGS_KEY = new TextEncoder().encode('"args":["');
const QUOTE = 0x22;
const DOT = 0x2e;
const ZERO = 0x30;

/**
 * The epoch ms in the first arg of an event frame's payload
 * (`bytes[from, to)`), or `null` (pure). Reads the digits in place: the
 * reader runs once per frame beside the server, so it allocates nothing.
 */
export function sentAt(bytes: Uint8Array, from = 0, to = bytes.length): number | null {
  let at = -1;
  outer: for (let i = from; i + ARGS_KEY.length <= to; i++) {
    for (let j = 0; j < ARGS_KEY.length; j++) {
      if (bytes[i + j] !== ARGS_KEY[j]) continue outer;
    }
    at = i + ARGS_KEY.length;
    break;
  }
  if (at < 0) return null;
  let value = 0;
  let scale = 0; // digits after the point, as a divisor
  let digits = 0;
  for (let i = at; i < to; i++) {
    const c = bytes[i];
    if (c === QUOTE) return digits > 0 ? (scale > 0 ? value / scale : value) : null;
    if (c === DOT && scale === 0) {
      scale = 1;
    } else if (c >= ZERO && c <= ZERO + 9) {
      value = value * 10 + (c - ZERO);
      if (scale > 0) scale *= 10;
      digits++;
    } else {
      return null;
    }
  }
  return null;
}

/** The epoch time in ms, with sub-millisecond precision, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * One subscription: resolves once answered, with the loop that records until
 * `endAt`. The loop reads into one buffer and walks the frames of each read
 * in place (no promise per frame; one clock read per read, the time they
 * arrived), so the client costs as little as it can beside the server.
 */
async function subscriber(
  socket: string,
  endAt: Promise<void>,
  samples: SampleLog,
): Promise<{ reading: Promise<void> }> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  await writeAll(
    conn,
    encodeJsonFrame(JSON.stringify({
      command: "subscribe",
      options: { events: ["COMMAND_EXECUTED"], heartbeat: 60 },
    })),
  );
  let open = true;
  let answered!: () => void;
  const answer = new Promise<void>((resolve) => (answered = resolve));
  // One reader from the first byte: event frames may arrive in the same read as the answer.
  const reading = (async () => {
    const buf = new Uint8Array(256 * 1024);
    const view = new DataView(buf.buffer);
    let start = 0;
    let end = 0;
    let first = true;
    try {
      while (open) {
        if (end === buf.length) {
          if (start === 0) throw new Error("frame larger than the read buffer");
          buf.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
        const n = await conn.read(buf.subarray(end));
        if (n === null) return;
        end += n;
        const now = epochMs();
        while (end - start >= 4) {
          const len = view.getUint32(start);
          if (end - start < 4 + len) break;
          if (first) {
            first = false;
            answered();
          } else {
            const sent = sentAt(buf, start + 4, start + 4 + len);
            if (sent !== null) samples.add(sent, now - sent);
          }
          start += 4 + len;
        }
        if (start === end) start = end = 0;
      }
    } catch {
      // closed at the end
    } finally {
      answered();
    }
  })();
  await answer;
  endAt.then(() => {
    open = false;
    conn.close();
  });
  return { reading };
}

/**
 * The samples of one client process: pairs of numbers in fixed blocks of
 * a typed array. A growing `number[]` of millions of entries was copied
 * whole at each growth (a pause of several ms in the client, every few
 * seconds, late in a long run) and scanned by each major GC; blocks are
 * never copied and hold no pointers.
 */
export class SampleLog {
  static readonly BLOCK = 1 << 16;
  #blocks: Float64Array[] = [];
  #block = new Float64Array(0);
  #at = 0;

  /** Pairs recorded. */
  get size(): number {
    return (this.#blocks.length * SampleLog.BLOCK - this.#block.length + this.#at) / 2;
  }

  /** Records one pair. */
  add(a: number, b: number): void {
    if (this.#at === this.#block.length) {
      this.#block = new Float64Array(SampleLog.BLOCK);
      this.#blocks.push(this.#block);
      this.#at = 0;
    }
    this.#block[this.#at++] = a;
    this.#block[this.#at++] = b;
  }

  /** Every number in order, rounded to µs: `[a, b, a, b, …]`. */
  flat(): number[] {
    const out: number[] = [];
    for (const block of this.#blocks) {
      const end = block === this.#block ? this.#at : block.length;
      for (let i = 0; i < end; i++) out.push(Math.round(block[i] * 1000) / 1000);
    }
    return out;
  }
}

/** A delay sample: when the request was sent (epoch ms) and how long its event took to arrive. */
export interface DelaySample {
  sent: number;
  delayMs: number;
}

/** Runs `count` subscribers in a child process: resolves when they are ready, then with the samples. */
export function subscribersInProcess(
  socket: string,
  count: number,
  ms: number,
): { ready: Promise<void>; samples: Promise<DelaySample[]>; pid: number } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, socket, String(count), String(ms)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const err = new Response(child.stderr).text();
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const readyFile = `${socket}.ready.${child.pid}`;
  const poll = setInterval(() => {
    try {
      Deno.statSync(readyFile);
      clearInterval(poll);
      readyResolve();
    } catch {
      // not yet
    }
  }, 10);
  const samples = (async () => {
    const [status, text, stderr] = await Promise.all([child.status, stdout, err]);
    clearInterval(poll);
    readyResolve();
    await Deno.remove(readyFile).catch(() => {});
    if (!status.success) {
      throw new Error(`subscribers failed (exit ${status.code}): ${stderr.trim().slice(-300)}`);
    }
    const flat = JSON.parse(text) as number[];
    const out: DelaySample[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ sent: flat[i], delayMs: flat[i + 1] });
    return out;
  })();
  return { ready, samples, pid: child.pid };
}

if (import.meta.main) {
  const [socket, count, ms] = Deno.args;
  const samples = new SampleLog();
  let end!: () => void;
  const endAt = new Promise<void>((resolve) => (end = resolve));
  const running = await Promise.all(
    Array.from({ length: Number(count) }, () => subscriber(socket, endAt, samples)),
  );
  // every subscription answered: tell the bench (a file, so stdout carries only the result)
  await Deno.writeTextFile(`${socket}.ready.${Deno.pid}`, "");
  setTimeout(end, Number(ms));
  await Promise.all(running.map((r) => r.reading));
  console.log(JSON.stringify(samples.flat()));
}
