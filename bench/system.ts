/**
 * What every measured system (orchestrator, supervisord, PM2) provides to the
 * scenarios in `bench/scenarios.ts`. Agents are named a1…aN.
 *
 * @module
 */

import type { BenchSystem } from "./figure.ts";

/**
 * The agent program: `sleep 3600`, a shell loop printing "tick" 10×/s,
 * `yes` (a flood of 2-byte lines) or `yes | tr -d '\n'` (a flood without
 * newlines).
 */
export type AgentKind = "sleep" | "log" | "flood" | "flood-nonl";

/** The shell loop of the logging case (10 lines of 5 bytes per second). */
export const LOG_LOOP = "while true; do echo tick; sleep 0.1; done";

/** Bytes per line of the logging case ("tick\n"). */
export const LOG_LINE_BYTES = 5;

/**
 * Size at which a flood agent's log file is rotated, one old file kept, in
 * every system that rotates (PM2 writes flood output to /dev/null instead).
 */
export const FLOOD_LOG_BYTES = 10 * 1024 * 1024;

/** argv of one agent of `kind`. */
export function agentArgv(kind: AgentKind): string[] {
  switch (kind) {
    case "sleep":
      return ["sleep", "3600"];
    case "log":
      return ["sh", "-c", LOG_LOOP];
    case "flood":
      return ["yes"];
    case "flood-nonl":
      return ["sh", "-c", "yes | tr -d '\\n'"];
  }
}

/**
 * argv of agent `index` (1-based) of `kind` in config version `version`:
 * version 0 is {@link agentArgv}; from 1 on, agent a1 sleeps 3600 + version
 * seconds instead, so each version differs from the one before in exactly
 * one agent (the reload scenario).
 */
export function agentArgvAt(kind: AgentKind, index: number, version: number): string[] {
  return version > 0 && index === 1 ? ["sleep", String(3600 + version)] : agentArgv(kind);
}

/** True for the agents that write as fast as they can. */
export function isFlood(kind: AgentKind): boolean {
  return kind === "flood" || kind === "flood-nonl";
}

/** One agent as the system itself reports it. */
export interface AgentRow {
  name: string;
  /** 0 when no process. */
  pid: number;
  /** Running (or ready) according to the system. */
  up: boolean;
}

/** True when a system answered its states and none is up (`allStopped` of the peers). */
export function noneUp(rows: readonly AgentRow[] | null): boolean {
  return rows !== null && rows.every((r) => !r.up);
}

/** A command line run as a whole process (hyperfine or own timing). */
export interface CliCommand {
  argv: string[];
  env?: Record<string, string>;
}

/** A system under test. Every method is bounded in time; teardown never throws. */
export interface SystemUnderTest {
  readonly system: BenchSystem;
  /** How the persistent client talks to it, for the notes. */
  readonly persistentLabel: string;
  /** How "stop all" is done, for the notes. */
  readonly stopLabel: string;
  /** Version string, e.g. "supervisord 4.2.5". */
  version(): Promise<string>;
  /** Writes the config for `n` agents of `kind` (daemon not running). */
  prepare(n: number, kind: AgentKind): Promise<void>;
  /** Launches the daemon on the prepared config (may block, e.g. PM2's CLI). */
  start(): Promise<void>;
  /** Agents as reported, or `null` while the control endpoint does not answer. */
  states(): Promise<AgentRow[] | null>;
  /** One agent as reported (used by the crash test), `null` when unknown. */
  stateOf(name: string): Promise<AgentRow | null>;
  /** Why the daemon is gone when it should run (exit code, log tail), else `null`. */
  failure(): string | null;
  /** pid of the main daemon process (0 if none). */
  daemonPid(): number;
  /** The CLI status call. */
  cliStatus(): CliCommand;
  /** Latencies in ns of `count` sequential status calls on one persistent connection. */
  persistentStatus(count: number): Promise<number[]>;
  /**
   * Latencies in ns of status calls on one persistent connection, one call
   * then `intervalMs` of pause, for `ms` (a monitoring client's view).
   */
  polledStatus(ms: number, intervalMs: number): Promise<number[]>;
  /** Requests/s with `connections` concurrent persistent clients for `ms`; null if not measured. */
  throughput(connections: number, ms: number): Promise<number | null>;
  /**
   * Rewrites the prepared config as version `version` (from 1: agent a1
   * changed, see {@link agentArgvAt}) and has the running daemon apply it
   * the way the system does it (orchestrator: `reload`; supervisord:
   * `supervisorctl update`). Resolves with the milliseconds until that
   * answered. Absent when the system has no such action.
   */
  reload?(version: number): Promise<number>;
  /** The user-level "stop every agent" action; resolves when its command returned. */
  stopAll(): Promise<void>;
  /** True once the system reports every agent stopped (or has exited, for the orchestrator). */
  allStopped(): Promise<boolean>;
  /** Files/dirs whose total size is the captured agent output. */
  logPaths(): string[];
  /** Stops the daemon and every agent; leaves no process behind. */
  teardown(): Promise<void>;
}
