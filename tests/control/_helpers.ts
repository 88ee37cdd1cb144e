/**
 * Shared helpers of the control tests: a short temp dir (UNIX socket paths
 * must stay < 108 bytes), an in-process real Orchestrator + EventStore +
 * ControlServer, and raw frame I/O on a real socket.
 */

import { Orchestrator } from "../../lib/orchestrator.ts";
import { EventStore } from "../../lib/events/store.ts";
import { type ConfigInput, withDefaults } from "../../lib/config/defaults.ts";
import type { OrchestratorConfig } from "../../lib/config/types.ts";
import { ControlServer } from "../../lib/control/server.ts";
import { encodeFrame, type FrameOutcome, FrameReader } from "../../lib/control/frame.ts";

/** A fresh short temp dir under /tmp. */
export function shortTempDir(): Promise<string> {
  return Deno.makeTempDir({ dir: "/tmp", prefix: "oc" });
}

/** A running in-process orchestrator with its control server. */
export interface Harness {
  dir: string;
  socket: string;
  config: OrchestratorConfig;
  orchestrator: Orchestrator;
  store: EventStore;
  server: ControlServer;
  shutdowns: string[];
  close(): Promise<void>;
}

/** Agents used by most tests: a long-running service and a task that sleeps `${secs}`. */
export const AGENTS: ConfigInput["agents"] = [
  {
    name: "web",
    tool_call_template: { command: "sleep", args: ["30"] },
    stop_timeout: 1,
  },
  {
    name: "job",
    kind: "task",
    autostart: false,
    values: { secs: "0" },
    tool_call_template: { command: "sh", args: ["-c", "echo out-$0; sleep $0", "${secs}"] },
  },
];

/** Starts a real orchestrator (agents booted) and its control server in this process. */
export async function startHarness(
  input: ConfigInput = {},
  dir?: string,
): Promise<Harness> {
  dir ??= await shortTempDir();
  const config = withDefaults({
    enable_command_interface: true,
    command_socket_path: `${dir}/run/o.sock`,
    cli_audit_log_path: `${dir}/audit.log`,
    log_cli_commands: false,
    agents: AGENTS,
    ...input,
  });
  const store = EventStore.open({ path: null, retention: 100_000, flushIntervalMs: 0 });
  const orchestrator = new Orchestrator(config, { events: store, watchdog: false });
  const shutdowns: string[] = [];
  let server: ControlServer;
  try {
    server = await ControlServer.start({
      controller: orchestrator,
      onShutdownRequested: (reason) => shutdowns.push(reason),
    });
  } catch (error) {
    store.close();
    throw error;
  }
  await orchestrator.boot();
  return {
    dir,
    socket: config.command_socket_path,
    config,
    orchestrator,
    store,
    server,
    shutdowns,
    async close() {
      await server.close();
      await orchestrator.shutdown("test end");
      store.close();
      await Deno.remove(dir!, { recursive: true }).catch(() => {});
    },
  };
}

/** A raw connection for frame-level tests. */
export class RawConn {
  readonly conn: Deno.UnixConn;
  readonly reader: FrameReader;

  private constructor(conn: Deno.UnixConn) {
    this.conn = conn;
    this.reader = new FrameReader(conn, { maxFrameBytes: 64 << 20 });
  }

  static async open(path: string): Promise<RawConn> {
    return new RawConn(await Deno.connect({ transport: "unix", path }));
  }

  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  async send(value: unknown): Promise<void> {
    await this.write(encodeFrame(value));
  }

  /** Reads one frame and parses it; returns the outcome kind otherwise. */
  async receive(): Promise<Record<string, unknown> | FrameOutcome["kind"]> {
    let out: FrameOutcome;
    try {
      out = await this.reader.read();
    } catch {
      return "eof"; // reset by peer counts as closed
    }
    if (out.kind !== "frame") return out.kind;
    return JSON.parse(new TextDecoder().decode(out.payload));
  }

  /** Reads one frame as its raw text. */
  async receiveText(): Promise<string> {
    const out = await this.reader.read();
    if (out.kind !== "frame") throw new Error(`expected a frame, got ${out.kind}`);
    return new TextDecoder().decode(out.payload);
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/** Reads the audit file as lines. */
export async function auditLines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l !== "");
}

/** Waits until `check` is true, polling (for state changes, never for timing assertions). */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
