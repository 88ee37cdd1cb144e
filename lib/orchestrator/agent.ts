/**
 * The orchestrator's record of one agent and one of its processes, and the
 * pure views of them (UTCP result); `ps` and `status` views are in
 * status_view.ts.
 *
 * @module
 */

import type { AgentConfig } from "../config/types.ts";
import type { UtcpResult } from "../agent/info.ts";
import type { AgentState } from "../agent/state.ts";
import type { ExitInfo } from "../agent/restart.ts";
import type { AgentProcess } from "../agent/process.ts";
import type { CapturedStream } from "../agent/captured_stream.ts";
import { encodeOutput } from "../agent/output_encoding.ts";
import type { RotatingFile } from "../agent/logfile.ts";
import type { Pattern } from "../pattern.ts";

export type Timer = ReturnType<typeof setTimeout>;

/** Signal options for a live, unreaped agent process (see `signalGroup`). */
export const LEADER = { leader: true } as const;

/** A readiness probe that passed: the reason and data its AGENT_READY event gives. */
export interface ProbePass {
  reason: string;
  data: Record<string, unknown>;
}

/** One process of an agent. */
export interface Run {
  proc: AgentProcess;
  startedAt: number;
  /** Stream marks (bytes read before the run started), for the UTCP result. */
  outMark: number;
  errMark: number;
  /** Resolves when both pipes are read to the end (or given up on). */
  drained: Promise<void>;
  /** Resolves once `#onExit` has handled the exit. */
  handled: Promise<void>;
  timedOut: boolean;
  /** Set when the readiness probe failed `failure_threshold` times. */
  probeFailure: string | null;
  timers: Timer[];
  /** Consecutive failed tcp/exec probes. */
  probeFailures: number;
  /** The first readiness probe of this run that passed, or `null` while none has. */
  passed: ProbePass | null;
}

/** What a caller of `call` waits for. */
export interface CallWaiter {
  resolve: (result: UtcpResult) => void;
  reject: (error: Error) => void;
}

/**
 * Internal record of one agent. `state`, `reason`, `pausedFrom` and `version`
 * are written by the supervisor's transition function only. Every other field
 * that `ps` or `status` show (run, startedAt, lastExit, restartTimes,
 * nextStartAt, lastHeartbeat, and `config` on a reload) is changed in the
 * same synchronous step as a transition, a heartbeat or a config
 * replacement, each of which bumps `version`: a reader that saw the same
 * version saw the same fields. `cpuPercent` and `memoryBytes` change with a
 * resource sample, which bumps `version` once for all agents.
 */
export interface Agent {
  /** Replaced by the supervisor only (`replaceConfig`, on a reload). */
  config: AgentConfig;
  readonly index: number;
  state: AgentState;
  reason: string | null;
  run: Run | null;
  /** The state it was paused in, while `paused`. */
  pausedFrom: AgentState | null;
  /** The supervisor's change counter at the agent's last shown change (0: none yet). */
  version: number;
  startedAt: number | null;
  lastHeartbeat: number | null;
  lastExit: ExitInfo | null;
  attempt: number;
  restartTimes: number[];
  nextStartAt: number | null;
  backoffTimer: Timer | undefined;
  inputs: Record<string, unknown> | undefined;
  out: CapturedStream | null;
  err: CapturedStream | null;
  outFile: RotatingFile | null;
  errFile: RotatingFile | null;
  pattern: Pattern | null;
  waiters: (() => void)[];
  callWaiters: CallWaiter[];
  /** True once a process was spawned since the agent was last queued. */
  ran: boolean;
  /** CPU of the current run's processes at the last sample (% of one core), `null` before one. */
  cpuPercent: number | null;
  /** Resident memory of the current run's processes at the last sample, `null` before one. */
  memoryBytes: number | null;
}

/** The UTCP result of a run that ended: its exact bytes still kept in each stream. */
export function runResult(agent: Agent, run: Run, exit: ExitInfo, now: number): UtcpResult {
  const out = agent.out?.since(run.outMark) ?? { bytes: new Uint8Array(0), dropped: 0 };
  const err = agent.err?.since(run.errMark) ?? { bytes: new Uint8Array(0), dropped: 0 };
  const stdout = encodeOutput(out.bytes, out.dropped > 0);
  const stderr = encodeOutput(err.bytes, err.dropped > 0);
  return {
    stdout: stdout.text,
    stderr: stderr.text,
    return_code: run.timedOut ? null : exit.code,
    execution_time: round3((now - run.startedAt) / 1000),
    timed_out: run.timedOut,
    truncated: out.dropped > 0 || err.dropped > 0,
    stdout_encoding: stdout.encoding,
    stderr_encoding: stderr.encoding,
  };
}

/** The record of a process spawned at `now`, with nothing read, probed or handled yet. */
export function newRun(proc: AgentProcess, now: number): Run {
  return {
    proc,
    startedAt: now,
    outMark: 0,
    errMark: 0,
    drained: Promise.resolve(),
    handled: Promise.resolve(),
    timedOut: false,
    probeFailure: null,
    timers: [],
    probeFailures: 0,
    passed: null,
  };
}

/** A new agent record, `stopped`. */
export function newAgent(config: AgentConfig, index: number): Agent {
  return {
    config,
    index,
    state: "stopped",
    reason: null,
    run: null,
    pausedFrom: null,
    version: 0,
    startedAt: null,
    lastHeartbeat: null,
    lastExit: null,
    attempt: 0,
    restartTimes: [],
    nextStartAt: null,
    backoffTimer: undefined,
    inputs: undefined,
    out: null,
    err: null,
    outFile: null,
    errFile: null,
    pattern: null,
    waiters: [],
    callWaiters: [],
    ran: false,
    cpuPercent: null,
    memoryBytes: null,
  };
}

/** `exited with code 1` / `killed by SIGKILL`. */
export function describeExit(exit: ExitInfo): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Rounds to milliseconds (3 decimals). */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
