/**
 * The orchestrator's record of one agent and one of its processes, and the
 * pure views of them (UTCP result, settled states); `ps` and `status` views
 * are in status_view.ts.
 *
 * @module
 */

import type { AgentConfig } from "../config/types.ts";
import type { UtcpResult } from "../agent/info.ts";
import type { AgentState } from "../agent/state.ts";
import type { ExitInfo } from "../agent/restart.ts";
import type { StatusPieces } from "./status_view.ts";
import type { AgentProcess } from "../agent/process.ts";
import type { CapturedStream } from "../agent/captured_stream.ts";
import { encodeOutput } from "../agent/output_encoding.ts";
import type { RotatingFile } from "../agent/logfile.ts";

export type Timer = ReturnType<typeof setTimeout>;

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
}

/** What a caller of `call` waits for. */
export interface CallWaiter {
  resolve: (result: UtcpResult) => void;
  reject: (error: Error) => void;
}

/** Internal record of one agent. */
export interface Agent {
  readonly config: AgentConfig;
  readonly index: number;
  state: AgentState;
  reason: string | null;
  run: Run | null;
  pausedFrom: AgentState | null;
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
  pattern: RegExp | null;
  waiters: (() => void)[];
  callWaiters: CallWaiter[];
  /** Protocol code for a failure before spawning (400: bad template values). */
  failCode: 400 | 409;
  /** True once a process was spawned since the agent was last queued. */
  ran: boolean;
  /** Serialised parts of its `status` record (see status_view.ts). */
  statusPieces: StatusPieces | null;
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

/** A new agent record, `stopped`. */
export function newAgent(config: AgentConfig, index: number): Agent {
  return {
    config,
    index,
    state: "stopped",
    reason: null,
    run: null,
    pausedFrom: null,
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
    failCode: 409,
    ran: false,
    statusPieces: null,
  };
}

/** True in the states from which the agent will not move on its own. */
export function isSettled(state: AgentState): boolean {
  return state === "stopped" || state === "completed" || state === "failed" || state === "fatal";
}

/** `exited with code 1` / `killed by SIGKILL`. */
export function describeExit(exit: ExitInfo): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Rounds to milliseconds (3 decimals). */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
