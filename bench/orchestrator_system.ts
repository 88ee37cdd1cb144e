/**
 * The orchestrator itself as a system under test: a generated JSONC config
 * in the scratch folder, `orchestrator run` in the foreground (the compiled
 * `dist/orchestrator` when it exists, else `deno run -A cli.ts`), status over
 * one persistent control-socket connection.
 *
 * @module
 */

import { exitFailure, runChecked, sleep, startDaemon, within } from "./measure/child.ts";
import { ControlClient } from "../lib/control/client.ts";
import { encodeRequestFrame, FramedClient } from "./measure/framed_client.ts";
import { latenciesInProcess, rateInProcess } from "./measure/client_process.ts";
import { PERSISTENT_WARMUP, THROUGHPUT_COMMAND } from "./plan.ts";
import { descendants, isAlive, killLeftovers, signalPid, waitGone } from "./measure/proc.ts";
import {
  agentArgvAt,
  type AgentKind,
  type AgentRow,
  type CliCommand,
  FLOOD_LOG_BYTES,
  isFlood,
  type SystemUnderTest,
} from "./system.ts";

/**
 * The config the bench runs: `n` agents of `kind`, zero backoff, restart
 * always; `version` > 0 changes agent a1 (see `agentArgvAt`); with `verifyPeer`, the socket
 * is served through `node:net` with verified callers; with `forward`, their output goes to the
 * orchestrator's stdout (`forward_output`) instead of `logDir` (pure).
 */
export function orchestratorConfig(
  n: number,
  kind: AgentKind,
  paths: { socket: string; logDir: string | null; forward?: boolean },
  options: { version?: number; verifyPeer?: boolean } = {},
): Record<string, unknown> {
  return {
    enable_command_interface: true,
    command_socket_path: paths.socket,
    allowed_commands: "all",
    log_cli_commands: false,
    max_workers: Math.max(10, n + 10),
    command_max_connections: 200,
    ...(options.verifyPeer ? { command_socket_verify_peer: true } : {}),
    log_dir: paths.forward === true ? null : paths.logDir,
    ...(paths.forward === true ? { forward_output: true } : {}),
    ...(isFlood(kind) ? { log_max_bytes: FLOOD_LOG_BYTES, log_max_files: 1 } : {}),
    agents: Array.from({ length: n }, (_, i) => ({
      name: `a${i + 1}`,
      tool_call_template: templateOf(agentArgvAt(kind, i + 1, options.version ?? 0)),
      restart: "always",
      backoff: { initial: 0, max: 0, factor: 1, reset_after: 60 },
      max_restarts: 1000,
    })),
  };
}

function templateOf([command, ...args]: string[]): Record<string, unknown> {
  return { call_template_type: "cli", command, args };
}

/** Rows from a `ps` response's data (pure). "Up" = running or ready. */
export function orchestratorRows(data: unknown): AgentRow[] {
  const agents = (data as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(agents)) throw new TypeError("ps answered without an agents list");
  return agents.map((a) => {
    const r = a as { name?: unknown; state?: unknown; pid?: unknown };
    return {
      name: String(r.name),
      pid: typeof r.pid === "number" ? r.pid : 0,
      up: r.state === "running" || r.state === "ready",
    };
  });
}

/** How to run the orchestrator executable from the repo at `root`. */
export function orchestratorArgv(root: string): string[] {
  try {
    const st = Deno.statSync(`${root}/dist/orchestrator`);
    if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return [`${root}/dist/orchestrator`];
  } catch {
    // not compiled
  }
  // The same V8 flag as `deno task start` and the compiled binary (docs/operations.md).
  return [Deno.execPath(), "run", "--v8-flags=--max-semi-space-size=2", "-A", `${root}/cli.ts`];
}

/** The orchestrator, run from repo `root` with scratch folder `dir`. */
export class Orchestrator implements SystemUnderTest {
  readonly system = "orchestrator" as const;
  readonly persistentLabel =
    "`status` (all agents) over one UNIX-socket connection, framed JSON (docs/protocol.md), " +
    "lean measuring client (bench/measure/framed_client.ts)";
  readonly stopLabel = "SIGTERM to the orchestrator (stops every agent, then exits)";
  #root: string;
  #dir: string;
  #child: Deno.ChildProcess | null = null;
  #exited: Deno.CommandStatus | null = null;
  #client: ControlClient | null = null;
  /** What `prepare` wrote: `reload` writes new versions of it. */
  #prepared: { n: number; kind: AgentKind } = { n: 0, kind: "sleep" };
  #verifyPeer = false;
  #forward = false;

  constructor(root: string, dir: string) {
    this.#root = root;
    this.#dir = dir;
  }

  get #sock(): string {
    return `${this.#dir}/o.sock`;
  }

  /**
   * The transport of the next `prepare`: `node:net` with verified callers
   * (`command_socket_verify_peer: true`) or `Deno.listen` (the default).
   */
  useVerifiedPeers(on: boolean): void {
    this.#verifyPeer = on;
  }

  /** Scratch folder of this system (the IPC floor puts its socket there). */
  get dir(): string {
    return this.#dir;
  }

  /** Body size in bytes of the running orchestrator's answer to `command` (no args). */
  async answerBytes(command: string): Promise<number> {
    const c = await FramedClient.connect(this.#sock);
    try {
      await c.call(encodeRequestFrame({ command }));
      return c.lastAnswerBytes;
    } finally {
      c.close();
    }
  }

  /** How the executable is run (for the notes). */
  get executable(): string {
    return orchestratorArgv(this.#root).join(" ").replace(this.#root + "/", "")
      .replace(Deno.execPath(), "deno");
  }

  /** With `true`, the next configs forward agent output to stdout (the daemon's log file). */
  set forward(on: boolean) {
    this.#forward = on;
  }

  /** Agent lines written to the orchestrator's stdout so far (`stats.forwarded_lines`). */
  async forwardedLines(): Promise<number> {
    const stats = await this.#request("stats") as { forwarded_lines?: unknown };
    return typeof stats.forwarded_lines === "number" ? stats.forwarded_lines : 0;
  }

  async version(): Promise<string> {
    const text = await Deno.readTextFile(`${this.#root}/lib/version.ts`);
    const v = /VERSION\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? "?";
    return `orchestrator ${v} (${this.executable}, deno ${Deno.version.deno})`;
  }

  async prepare(n: number, kind: AgentKind): Promise<void> {
    await Deno.remove(`${this.#dir}/logs`, { recursive: true }).catch(() => {});
    await Deno.mkdir(`${this.#dir}/logs`, { recursive: true });
    this.#prepared = { n, kind };
    await this.#writeConfig(0);
  }

  async #writeConfig(version: number): Promise<void> {
    const { n, kind } = this.#prepared;
    const config = orchestratorConfig(n, kind, {
      socket: this.#sock,
      logDir: kind === "sleep" ? null : `${this.#dir}/logs`,
      forward: this.#forward,
    }, { version, verifyPeer: this.#verifyPeer });
    await Deno.writeTextFile(`${this.#dir}/bench.jsonc`, JSON.stringify(config, null, 1));
  }

  /** Writes version `version` of the config, then times the `reload` request until its answer. */
  async reload(version: number): Promise<number> {
    await this.#writeConfig(version);
    if (this.#client === null) this.#client = await ControlClient.connect(this.#sock);
    const t0 = performance.now();
    const r = await this.#client.request("reload");
    const ms = performance.now() - t0;
    if (r.status !== "success") {
      throw new Error(`orchestrator answered ${r.code} to "reload": ${r.error}`);
    }
    return ms;
  }

  start(): Promise<void> {
    this.#exited = null;
    const child = startDaemon(
      [...orchestratorArgv(this.#root), "run", `${this.#dir}/bench.jsonc`],
      {
        logFile: `${this.#dir}/orchestrator.log`,
      },
    );
    this.#child = child;
    child.status.then((status) => this.#exited = status);
    return Promise.resolve();
  }

  async #request(command: string, args: string[] = []): Promise<unknown> {
    if (this.#client === null) this.#client = await ControlClient.connect(this.#sock);
    const r = await this.#client.request(command, args);
    if (r.status !== "success") {
      throw new Error(`orchestrator answered ${r.code ?? "?"} to "${command}": ${r.error ?? ""}`);
    }
    return r.data;
  }

  async states(): Promise<AgentRow[] | null> {
    if (this.#exited !== null) return null;
    try {
      return orchestratorRows(await this.#request("ps"));
    } catch {
      this.#client?.close();
      this.#client = null;
      return null;
    }
  }

  async stateOf(name: string): Promise<AgentRow | null> {
    const d = await this.#request("status", [name]) as { state?: unknown; pid?: unknown };
    return {
      name,
      pid: typeof d.pid === "number" ? d.pid : 0,
      up: d.state === "running" || d.state === "ready",
    };
  }

  failure(): string | null {
    return this.#child !== null && this.#exited !== null
      ? exitFailure(this.#exited, `${this.#dir}/orchestrator.log`)
      : null;
  }

  daemonPid(): number {
    return this.#child?.pid ?? 0;
  }

  cliStatus(): CliCommand {
    return { argv: [...orchestratorArgv(this.#root), "ps", "--socket", this.#sock] };
  }

  /**
   * `ps` through the command `deno task install` puts on PATH (tools/install.ts,
   * a launcher in the scratch folder): what an operator types after the
   * README's one-time step.
   */
  async installedCli(): Promise<CliCommand> {
    const root = `${this.#dir}/installed`;
    await runChecked([
      Deno.execPath(),
      "run",
      "-A",
      `${this.#root}/tools/install.ts`,
      "--root",
      root,
    ], {
      timeoutMs: 60_000,
      cwd: this.#root,
    });
    return { argv: [`${root}/bin/orchestrator`, "ps", "--socket", this.#sock] };
  }

  /**
   * `count` sequential `status` calls (all agents), after one validated call
   * and {@link PERSISTENT_WARMUP} untimed ones.
   */
  persistentStatus(count: number): Promise<number[]> {
    return latenciesInProcess(this.#sock, { command: "status" }, count, PERSISTENT_WARMUP);
  }

  /** `status` calls on one lean connection, one per `intervalMs`, for `ms`. */
  async polledStatus(ms: number, intervalMs: number): Promise<number[]> {
    const c = await FramedClient.connect(this.#sock);
    try {
      const frame = encodeRequestFrame({ command: "status" });
      const out: number[] = [];
      const end = performance.now() + ms;
      while (performance.now() < end) {
        const t = performance.now();
        await c.call(frame);
        out.push((performance.now() - t) * 1e6);
        await sleep(intervalMs);
      }
      return out;
    } finally {
      c.close();
    }
  }

  /** Closed loop of `connections` lean clients sending {@link THROUGHPUT_COMMAND}. */
  throughput(connections: number, ms: number): Promise<number | null> {
    return rateInProcess(this.#sock, { command: THROUGHPUT_COMMAND }, connections, ms);
  }

  stopAll(): Promise<void> {
    this.#client?.close();
    this.#client = null;
    if (this.#child !== null) signalPid(this.#child.pid, "SIGTERM");
    return Promise.resolve();
  }

  allStopped(): Promise<boolean> {
    return Promise.resolve(this.#exited !== null);
  }

  logPaths(): string[] {
    return [`${this.#dir}/logs`];
  }

  async teardown(): Promise<void> {
    this.#client?.close();
    this.#client = null;
    const child = this.#child;
    this.#child = null;
    if (child === null) return;
    const tree = isAlive(child.pid) ? descendants(child.pid) : [];
    signalPid(child.pid, "SIGTERM");
    if (await within(child.status, 30_000) === "timeout") {
      signalPid(-child.pid, "SIGKILL");
      await child.status;
    }
    await waitGone(tree, { timeoutMs: 10_000 });
    await killLeftovers(tree);
  }
}
