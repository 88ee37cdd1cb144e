/**
 * Test helpers: an Orchestrator over a real in-memory EventStore in a temp
 * dir, and process checks through /proc.
 */

import { type ConfigInput, withDefaults } from "../../lib/config/defaults.ts";
import { EventStore } from "../../lib/events/store.ts";
import type { EventName, OrchestratorEvent } from "../../lib/events/event.ts";
import { type Clock, Orchestrator } from "../../lib/orchestrator.ts";
import { newRun, type Run } from "../../lib/orchestrator/agent.ts";
import type { AgentProcess } from "../../lib/agent/process.ts";
import type { ForwardWriter } from "../../lib/orchestrator/forward.ts";

/** An orchestrator under test. `close()` shuts it down and removes the temp dir. */
export interface Harness {
  orchestrator: Orchestrator;
  store: EventStore;
  dir: string;
  events(name?: EventName, agent?: string): OrchestratorEvent[];
  close(): Promise<void>;
}

/** Builds and boots an orchestrator; `build` gets the temp dir to put files in. */
export async function harness(
  build: (dir: string) => ConfigInput,
  options: {
    boot?: boolean;
    env?: (name: string) => string | undefined;
    clock?: Clock;
    forwardTo?: ForwardWriter;
  } = {},
): Promise<Harness> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orc-" });
  const config = withDefaults(build(dir));
  const store = EventStore.open({ path: null, retention: 100_000 });
  const orchestrator = new Orchestrator(config, {
    events: store,
    env: options.env,
    clock: options.clock,
    forwardTo: options.forwardTo,
  });
  if (options.boot ?? true) await orchestrator.boot();
  return {
    orchestrator,
    store,
    dir,
    events: (name, agent) => store.query({ limit: 10_000, event: name, agent }).reverse(),
    close: async () => {
      await orchestrator.shutdown("test done");
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A clock that stands still until the test moves it (`at`). */
export class ManualClock implements Clock {
  /** Milliseconds since the epoch. */
  at: number;

  constructor(at = Date.UTC(2026, 10, 21, 7, 0, 0, 5)) {
    this.at = at;
  }

  now(): number {
    return this.at;
  }
}

/** Polls `check` every 10 ms until it returns true; throws after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** A process identity that survives pid reuse: pid + start time (/proc/<pid>/stat field 22). */
export interface ProcessId {
  pid: number;
  start: string;
}

function startTime(pid: number): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Identifies the live processes among `pids` (to check on them later without pid-reuse mistakes). */
export function identify(pids: number[]): ProcessId[] {
  const out: ProcessId[] = [];
  for (const pid of pids) {
    const start = startTime(pid);
    if (start !== null && alive(pid)) out.push({ pid, start });
  }
  return out;
}

/** The processes of `ids` that still live (same pid and start time, not a zombie). */
export function survivors(ids: ProcessId[]): ProcessId[] {
  return ids.filter((id) => startTime(id.pid) === id.start && alive(id.pid));
}

/** The pids listed one per line in `path` (missing file: none). */
export function readPids(path: string): number[] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "").map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs each pid that is still alive and still one of ours: its command
 * line contains `marker` (e.g. the test's temp dir) or is `sleep 300`.
 * PIDs wrap quickly on a busy machine, so a stale pid may belong to
 * someone else by now: never signal it blindly.
 */
export function killAll(pids: number[], marker: string): void {
  for (const pid of pids) {
    if (!alive(pid)) continue;
    let cmdline = "";
    try {
      cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    } catch {
      continue;
    }
    if (!cmdline.includes(marker) && cmdline !== "sleep\0" + "300\0") continue;
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

/** A `sh -c` agent template. */
export function sh(script: string, extra: Record<string, unknown> = {}) {
  return { command: "sh", args: ["-c", script], ...extra };
}

/** A run record for pure tests (no process behind `pid`; `exited` never settles). */
export function runOf(startedAt: number, pid = 4242): Run {
  const proc: AgentProcess = { pid, exited: new Promise(() => {}), stdout: null, stderr: null };
  return newRun(proc, startedAt);
}
