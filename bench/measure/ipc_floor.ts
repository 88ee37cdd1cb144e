/**
 * The IPC floor: the same lean client ({@link FramedClient}) with the same
 * call counts against `floor_server.ts`, a bare Deno server that does
 * nothing but answer each frame with a fixed success frame of a given size.
 * What any server costs on this machine (process wake-ups, syscalls, the
 * Deno runtime's socket path), to read the orchestrator's control figures
 * against.
 *
 * @module
 */

import { exitFailure, pollUntil, startDaemon, within } from "./child.ts";
import { latenciesInProcess, rateInProcess } from "./client_process.ts";
import { cpuNs, signalPid } from "./proc.ts";

/** Which floor server: `Deno.listen` (floor_server.ts) or `node:net` (floor_server_node.ts). */
export type FloorTransport = "deno" | "node";

const SCRIPTS: Record<FloorTransport, string> = {
  deno: new URL("./floor_server.ts", import.meta.url).pathname,
  node: new URL("./floor_server_node.ts", import.meta.url).pathname,
};

/** The floor server as a child process in its own process group. */
export class FloorServer {
  readonly path: string;
  #child: Deno.ChildProcess;
  #exited: Deno.CommandStatus | null = null;
  #log: string;

  private constructor(path: string, child: Deno.ChildProcess, log: string) {
    this.path = path;
    this.#child = child;
    this.#log = log;
    child.status.then((s) => this.#exited = s);
  }

  /**
   * Starts `floor_server.ts` (or `floor_server_node.ts` with `transport:
   * "node"`) on socket `path` answering `answerBytes`-byte bodies, its
   * output in `logFile`; resolves once it accepts connections. Throws
   * (after ending it) when it exits or does not listen within `timeoutMs`.
   */
  static async start(
    path: string,
    answerBytes: number,
    options: { logFile: string; timeoutMs?: number; transport?: FloorTransport },
  ): Promise<FloorServer> {
    await Deno.remove(path).catch(() => {});
    const child = startDaemon(
      [
        Deno.execPath(),
        "run",
        "--v8-flags=--max-semi-space-size=2",
        "-A",
        SCRIPTS[options.transport ?? "deno"],
        path,
        String(answerBytes),
      ],
      { logFile: options.logFile },
    );
    const server = new FloorServer(path, child, options.logFile);
    try {
      await pollUntil(async () => {
        if (server.#exited !== null) {
          throw new Error(`Floor server exited: ${exitFailure(server.#exited, server.#log)}`);
        }
        try {
          (await Deno.connect({ transport: "unix", path })).close();
          return true;
        } catch {
          return null;
        }
      }, {
        timeoutMs: options.timeoutMs ?? 15_000,
        intervalMs: 10,
        what: `floor server listening on ${path}`,
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** pid of the server process. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Ends the server by pid (SIGTERM, then SIGKILL of its group after 5 s); never throws. */
  async stop(): Promise<void> {
    if (this.#exited === null) {
      signalPid(this.#child.pid, "SIGTERM");
      if (await within(this.#child.status, 5_000) === "timeout") {
        signalPid(-this.#child.pid, "SIGKILL");
        await this.#child.status;
      }
    }
    await Deno.remove(this.path).catch(() => {});
  }
}

/** What {@link measureIpcFloor} measured. */
export interface FloorResult {
  /** Sequential latencies in ns (one connection). */
  latenciesNs: number[];
  /** Closed-loop requests/s. */
  rps: number;
  /** Floor server's CPU during the throughput run, % of a core (null if unreadable). */
  serverCpuPct: number | null;
  /** Body size of the server's fixed answer. */
  answerBytes: number;
}

/**
 * Starts a floor server in `dir` answering `answerBytes`-byte bodies (over
 * `transport`, default `Deno.listen`), measures `calls` sequential calls
 * (after `warmup`) and a closed loop of `connections` clients for `ms`,
 * then ends the server (in a finally).
 */
export async function measureIpcFloor(options: {
  dir: string;
  answerBytes: number;
  calls: number;
  warmup?: number;
  connections: number;
  ms: number;
  transport?: FloorTransport;
}): Promise<FloorResult> {
  const server = await FloorServer.start(`${options.dir}/f.sock`, options.answerBytes, {
    logFile: `${options.dir}/floor.log`,
    transport: options.transport,
  });
  try {
    // Any request will do: the floor server answers without reading it.
    const request = { command: "status" };
    const latenciesNs = await latenciesInProcess(
      server.path,
      request,
      options.calls,
      options.warmup ?? 0,
    );
    const cpu0 = cpuNs(server.pid);
    const t0 = performance.now();
    const rps = await rateInProcess(server.path, request, options.connections, options.ms);
    const cpu1 = cpuNs(server.pid);
    const serverCpuPct = cpu0 === null || cpu1 === null
      ? null
      : (cpu1 - cpu0) / 1e6 / (performance.now() - t0) * 100;
    return { latenciesNs, rps, serverCpuPct, answerBytes: options.answerBytes };
  } finally {
    await server.stop();
  }
}
