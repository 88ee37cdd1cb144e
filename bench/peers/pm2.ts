/**
 * PM2 (npm, installed into the scratch folder, private `PM2_HOME`) as a
 * system under test: apps from an ecosystem file with interpreter "none" in
 * fork mode (the agent is exec'd directly), autorestart, SIGTERM as kill
 * signal; status through PM2's programmatic API (`pm2.list()`) in a node
 * helper process that keeps one connection.
 *
 * @module
 */

import { onPath, runChecked, sleep, within } from "../measure/child.ts";
import { LineReader } from "../measure/lines.ts";
import { descendants, isAlive, killLeftovers, signalPid, waitGone } from "../measure/proc.ts";
import {
  agentArgv,
  type AgentKind,
  type AgentRow,
  type CliCommand,
  isFlood,
  noneUp,
  type SystemUnderTest,
} from "../system.ts";
import { pm2Bin } from "./install.ts";

/** ecosystem.config.js text for `n` agents of `kind` (pure). */
export function pm2Ecosystem(n: number, kind: AgentKind, scriptPath: string): string {
  const argv = agentArgv(kind);
  const apps = Array.from({ length: n }, (_, i) => ({
    name: `a${i + 1}`,
    script: scriptPath,
    args: argv.slice(1),
    interpreter: "none",
    exec_mode: "fork",
    autorestart: true,
    kill_signal: "SIGTERM",
    // PM2 does not rotate its own files: a flood goes to /dev/null (still read and written).
    ...(isFlood(kind) ? { out_file: "/dev/null", error_file: "/dev/null" } : {}),
  }));
  return `module.exports = ${JSON.stringify({ apps }, null, 1)};\n`;
}

/** The node helper: one JSON request per stdin line, one "@@B " JSON reply line each. */
const HELPER_JS = `'use strict';
const pm2 = require(process.env.BENCH_PM2_MODULE);
const readline = require('readline');
let connected = false;
const now = () => process.hrtime.bigint();
const listP = () => new Promise((res, rej) => pm2.list((e, l) => (e ? rej(e) : res(l))));
const row = (p) => [p.name, p.pid || 0, p.pm2_env ? p.pm2_env.status : '?'];
const handlers = {
  async connect() {
    if (!connected) {
      await new Promise((res, rej) => pm2.connect((e) => (e ? rej(e) : res())));
      connected = true;
    }
    return true;
  },
  async list() { return (await listP()).map(row); },
  async one({ name }) {
    const p = (await listP()).find((x) => x.name === name);
    return p ? row(p) : null;
  },
  async bench_list({ count }) {
    const lat = [];
    for (let i = 0; i < count; i++) {
      const t = now();
      await listP();
      lat.push(Number(now() - t));
    }
    return lat;
  },
  async bench_poll({ ms, interval }) {
    const lat = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const t = now();
      await listP();
      lat.push(Number(now() - t));
      await new Promise((res) => setTimeout(res, interval));
    }
    return lat;
  },
  async throughput({ connections, ms }) {
    let done = 0;
    const t0 = Date.now();
    const end = t0 + ms;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (Date.now() < end) { await listP(); done++; }
    }));
    return done / ((Date.now() - t0) / 1000);
  },
  async disconnect() {
    if (connected) { pm2.disconnect(); connected = false; }
    return true;
  },
};
const reply = (o) => process.stdout.write('@@B ' + JSON.stringify(o) + '\\n');
const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let req;
    try { req = JSON.parse(line); } catch (e) { return reply({ ok: false, err: 'bad json' }); }
    try {
      const fn = handlers[req.cmd];
      if (!fn) throw new Error('unknown cmd ' + req.cmd);
      reply({ ok: true, r: await fn(req) });
    } catch (e) {
      reply({ ok: false, err: String((e && e.stack) || e) });
    }
  });
});
rl.on('close', () => {
  chain.then(() => {
    try { if (connected) pm2.disconnect(); } catch (e) { /* gone */ }
    process.exit(0);
  });
});
reply({ ok: true, r: 'ready' });
`;

/** PM2 driven from the npm prefix `prefix` (pm2 installed there) and scratch `dir`. */
export class Pm2 implements SystemUnderTest {
  readonly system = "pm2" as const;
  readonly persistentLabel = "PM2 programmatic API pm2.list() in a node client, one connection";
  readonly stopLabel = "`pm2 stop all`";
  #prefix: string;
  #dir: string;
  #helper: Deno.ChildProcess | null = null;
  #lines: LineReader | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #connected = false;
  #startArgv: string[] = ["ping"];

  constructor(prefix: string, dir: string) {
    this.#prefix = prefix;
    this.#dir = dir;
  }

  get #home(): string {
    return `${this.#dir}/home`;
  }

  #env(): Record<string, string> {
    return {
      PM2_HOME: this.#home,
      PM2_DISABLE_VERSION_CHECK: "1",
      BENCH_PM2_MODULE: `${this.#prefix}/node_modules/pm2`,
    };
  }

  async version(): Promise<string> {
    const pkg = JSON.parse(
      await Deno.readTextFile(`${this.#prefix}/node_modules/pm2/package.json`),
    ) as { version: string };
    const node = await runChecked(["node", "--version"], { timeoutMs: 10_000 });
    return `pm2 ${pkg.version} (node ${node.stdout.trim()})`;
  }

  async prepare(n: number, kind: AgentKind): Promise<void> {
    await Deno.mkdir(this.#dir, { recursive: true });
    for (const sub of ["logs", "pids"]) {
      await Deno.remove(`${this.#home}/${sub}`, { recursive: true }).catch(() => {});
    }
    const script = onPath(agentArgv(kind)[0]);
    if (script === null) throw new Error(`Cannot find "${agentArgv(kind)[0]}" on PATH`);
    const eco = `${this.#dir}/ecosystem.config.js`;
    await Deno.writeTextFile(eco, pm2Ecosystem(n, kind, script));
    this.#startArgv = n > 0 ? ["start", eco] : ["ping"];
    await this.#helperStart();
    this.#connected = false;
  }

  async #helperStart(): Promise<void> {
    await this.#helperStop();
    const js = `${this.#dir}/helper.js`;
    await Deno.writeTextFile(js, HELPER_JS);
    this.#helper = new Deno.Command("node", {
      args: [js],
      env: this.#env(),
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#lines = new LineReader(this.#helper.stdout);
    this.#writer = this.#helper.stdin.getWriter();
    if (await this.#recv() !== "ready") throw new Error("pm2 helper did not start");
  }

  async #helperStop(): Promise<void> {
    const helper = this.#helper;
    if (helper === null) return;
    this.#helper = null;
    await this.#writer?.close().catch(() => {});
    if (await within(helper.status, 10_000) === "timeout") {
      signalPid(helper.pid, "SIGKILL");
      await helper.status;
    }
    await this.#lines?.cancel();
    this.#lines = null;
    this.#writer = null;
  }

  async #recv(): Promise<unknown> {
    for (;;) {
      const line = await this.#lines!.next();
      if (line === null) throw new Error("pm2 helper exited");
      if (!line.startsWith("@@B ")) continue;
      const msg = JSON.parse(line.slice(4)) as { ok: boolean; r?: unknown; err?: string };
      if (!msg.ok) throw new Error(`pm2 helper: ${(msg.err ?? "").slice(0, 400)}`);
      return msg.r;
    }
  }

  async #call(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    if (this.#writer === null) throw new Error("pm2 helper not running");
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ cmd, ...args }) + "\n"));
    const r = await within(this.#recv(), 120_000);
    if (r === "timeout") throw new Error(`pm2 helper: "${cmd}" timed out`);
    return r;
  }

  async start(): Promise<void> {
    await runChecked([pm2Bin(this.#prefix), ...this.#startArgv], {
      timeoutMs: 180_000,
      env: this.#env(),
    });
    await this.#call("connect");
    this.#connected = true;
  }

  #rows(raw: unknown): AgentRow[] {
    return (raw as [string, number, string][]).map(([name, pid, status]) => ({
      name,
      pid,
      up: status === "online",
    }));
  }

  async states(): Promise<AgentRow[] | null> {
    if (!this.#connected) return null;
    return this.#rows(await this.#call("list"));
  }

  async stateOf(name: string): Promise<AgentRow | null> {
    const r = await this.#call("one", { name });
    return r === null ? null : this.#rows([r])[0];
  }

  failure(): string | null {
    return null; // `pm2 start` reports its own failure (runChecked)
  }

  daemonPid(): number {
    try {
      return Number(Deno.readTextFileSync(`${this.#home}/pm2.pid`).trim()) || 0;
    } catch {
      return 0;
    }
  }

  cliStatus(): CliCommand {
    return { argv: [pm2Bin(this.#prefix), "jlist"], env: this.#env() };
  }

  async persistentStatus(count: number): Promise<number[]> {
    await this.#call("list");
    return await this.#call("bench_list", { count }) as number[];
  }

  async polledStatus(ms: number, intervalMs: number): Promise<number[]> {
    await this.#call("list");
    return await this.#call("bench_poll", { ms, interval: intervalMs }) as number[];
  }

  async throughput(connections: number, ms: number): Promise<number | null> {
    return await this.#call("throughput", { connections, ms }) as number;
  }

  async stopAll(): Promise<void> {
    await runChecked([pm2Bin(this.#prefix), "stop", "all"], {
      timeoutMs: 180_000,
      env: this.#env(),
    });
  }

  async allStopped(): Promise<boolean> {
    return noneUp(await this.states());
  }

  logPaths(): string[] {
    return [`${this.#home}/logs`];
  }

  /**
   * Ends the God daemon and the agents by pid (SIGKILL to the daemon first so
   * it cannot restart them, then SIGTERM/SIGKILL to each agent). `pm2 kill`
   * takes ~30 s with 500 agents; teardown is not measured.
   */
  async teardown(): Promise<void> {
    await this.#call("disconnect").catch(() => {});
    await this.#helperStop();
    this.#connected = false;
    const pid = this.daemonPid();
    if (pid > 0 && isAlive(pid)) {
      const tree = descendants(pid);
      signalPid(pid, "SIGKILL");
      await waitGone([pid], { timeoutMs: 10_000 });
      for (const p of tree) signalPid(p, "SIGTERM");
      await waitGone(tree, { timeoutMs: 10_000 });
      await killLeftovers(tree);
    }
    for (const f of ["pm2.pid", "rpc.sock", "pub.sock"]) {
      await Deno.remove(`${this.#home}/${f}`).catch(() => {});
    }
    await sleep(50);
  }
}
