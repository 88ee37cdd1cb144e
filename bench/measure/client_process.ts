/**
 * Runs the lean framed client (framed_client.ts) in a process of its own, so
 * the timed round trips share nothing with the bench harness (its heap,
 * timers and pipes): the same reason hyperfine runs the CLI figures apart,
 * and the way the peers' clients run (a Python or node process of their own).
 *
 * As a script:
 *   deno run -A client_process.ts latency SOCKET REQUEST_JSON COUNT WARMUP  → JSON array of ns
 *   deno run -A client_process.ts rate SOCKET REQUEST_JSON CONNECTIONS MS   → JSON number (req/s)
 *
 * @module
 */

import { closedLoopRate, encodeRequestFrame, sequentialLatencies } from "./framed_client.ts";

const SCRIPT = new URL(import.meta.url).pathname;

async function runClient(args: string[]): Promise<unknown> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    throw new Error(`measuring client failed (exit ${out.code}): ${err}`);
  }
  return JSON.parse(text);
}

/** `sequentialLatencies` in a child process: ns of `count` timed calls after `warmup` untimed ones. */
export async function latenciesInProcess(
  socket: string,
  request: Record<string, unknown>,
  count: number,
  warmup: number,
): Promise<number[]> {
  const ns = await runClient([
    "latency",
    socket,
    JSON.stringify(request),
    String(count),
    String(warmup),
  ]);
  if (!Array.isArray(ns) || ns.length !== count) throw new Error("measuring client: bad output");
  return ns as number[];
}

/** `closedLoopRate` in a child process: requests/s of `connections` clients for `ms`. */
export async function rateInProcess(
  socket: string,
  request: Record<string, unknown>,
  connections: number,
  ms: number,
): Promise<number> {
  const rps = await runClient([
    "rate",
    socket,
    JSON.stringify(request),
    String(connections),
    String(ms),
  ]);
  if (typeof rps !== "number" || !Number.isFinite(rps)) {
    throw new Error("measuring client: bad output");
  }
  return rps;
}

async function main(args: string[]): Promise<number> {
  const [mode, socket, request, a, b] = args;
  const x = Number(a);
  const y = Number(b);
  if (
    (mode !== "latency" && mode !== "rate") || socket === undefined || request === undefined ||
    !Number.isInteger(x) || x < 1 || !Number.isInteger(y) || y < 0
  ) {
    console.error(
      "usage: client_process.ts latency SOCKET REQUEST_JSON COUNT WARMUP\n" +
        "       client_process.ts rate SOCKET REQUEST_JSON CONNECTIONS MS",
    );
    return 2;
  }
  const frame = encodeRequestFrame(JSON.parse(request));
  const result = mode === "latency"
    ? await sequentialLatencies(socket, frame, x, y)
    : await closedLoopRate(socket, frame, x, y);
  console.log(JSON.stringify(result));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
