/**
 * Output capture of one run (docs/operations.md, "Output capture and log
 * files"): each pipe's raw chunks go whole into the agent's byte ring (when
 * `capture_output`) and its log file (when `log_dir`); a line scanner counts
 * the lines past `output_line_max_bytes` and hands lines to the log_pattern
 * probe, with `forward_output` to the forwarder (forward.ts), and to the
 * output observers (`OutputTap`; only while one wants the agent). All of it
 * is paced by one shared time budget.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { OrchestratorConfig } from "../config/types.ts";
import { CapturedStream } from "../agent/captured_stream.ts";
import { LineScanner } from "../agent/line_scanner.ts";
import { Pacer } from "../agent/pacer.ts";
import { pump } from "../agent/pump.ts";
import { RotatingFile } from "../agent/logfile.ts";
import type { Agent, Run } from "./agent.ts";
import type { OutputStream } from "../agent/output_observer.ts";
import type { OutputTap } from "./output_tap.ts";

const log = getLogger(["orchestrator", "output"]);

/**
 * Output handling of every agent shares 10 ms of each 100 ms (a tenth of
 * one core at most); past it the readers wait, and the pipes slow the
 * writers (docs/operations.md).
 */
const OUTPUT_PACER = new Pacer({ windowMs: 100, budgetMs: 10 });

/**
 * A stream that writes little and often is read at most every 200 ms
 * (each read costs more than the bytes it brings); a full pipe is read at
 * once (docs/operations.md).
 */
const COALESCE_MS = 200;

/** Where and how much output is kept (from the orchestrator config). */
export type CaptureOptions = Pick<
  OrchestratorConfig,
  | "output_buffer_bytes"
  | "output_line_max_bytes"
  | "log_dir"
  | "log_max_bytes"
  | "log_max_files"
>;

/** Where the lines of a run go, besides the ring and the log files. */
export interface LineSinks {
  /** The log_pattern probe: lines of the agent's current run only. */
  onLine: ((line: string) => void) | null;
  /** Forwarding: every line of the run, also those read after its exit. */
  forward: ((line: string, stream: OutputStream) => void) | null;
  /** The output observers (`subscribe` to logs), fed only while one wants the agent. */
  tap: OutputTap;
}

/**
 * Reads the run's pipes into the agent's captured streams, its log files
 * (when `log_dir`) and hands each line to `onLine` for the log_pattern
 * probe, to `forward` and to `tap`'s observers. Resolves when both pipes are
 * read to the end.
 */
export function startCapture(
  agent: Agent,
  run: Run,
  options: CaptureOptions & LineSinks,
): Promise<void> {
  const { proc } = run;
  if (proc.stdout === null || proc.stderr === null) return Promise.resolve();
  const config = agent.config;
  const lineMax = options.output_line_max_bytes;
  const stream = {
    keepBytes: config.tool_call_template.capture_output ? options.output_buffer_bytes : null,
    lineMax,
  };
  agent.out ??= new CapturedStream(stream);
  agent.err ??= new CapturedStream(stream);
  run.outMark = agent.out.total;
  run.errMark = agent.err.total;
  const logDir = options.log_dir;
  if (logDir !== null) {
    const opts = {
      maxBytes: options.log_max_bytes,
      maxFiles: options.log_max_files,
      onError: (error: unknown) =>
        log.error("Cannot write the log file of {agent}: {error}", {
          agent: config.name,
          error: String(error),
        }),
    };
    agent.outFile ??= new RotatingFile(`${logDir}/${config.name}.stdout.log`, opts);
    agent.errFile ??= new RotatingFile(`${logDir}/${config.name}.stderr.log`, opts);
  }
  const exited = proc.exited;
  const sink = (stream: OutputStream) => lineSink(agent, run, stream, options);
  const tap = { tap: options.tap, agent: config.name };
  return Promise.all([
    read(proc.stdout, {
      captured: agent.out,
      file: agent.outFile,
      lineMax,
      onLine: sink("stdout"),
      exited,
      tapped: { ...tap, stream: "stdout" },
    }),
    read(proc.stderr, {
      captured: agent.err,
      file: agent.errFile,
      lineMax,
      onLine: sink("stderr"),
      exited,
      tapped: { ...tap, stream: "stderr" },
    }),
  ]).then(() => {});
}

/** The line callback of one stream, or `null` when nothing wants its lines (counting only). */
function lineSink(
  agent: Agent,
  run: Run,
  stream: OutputStream,
  sinks: LineSinks,
): ((line: string) => void) | null {
  const { onLine, forward } = sinks;
  if (onLine === null && forward === null) return null;
  return (line: string) => {
    if (onLine !== null && agent.run === run) onLine(line);
    forward?.(line, stream);
  };
}

/** The observers of one stream: the agent and stream its lines are handed over as. */
interface Tapped {
  tap: OutputTap;
  agent: string;
  stream: OutputStream;
}

/**
 * The scanner's callback while observers want the stream: `onLine` (the
 * probe, if any) and the observers.
 */
function tappedLine(onLine: ((line: string) => void) | null, t: Tapped): (line: string) => void {
  const { tap, agent, stream } = t;
  return onLine === null ? (line) => tap.emit(agent, stream, line) : (line) => {
    onLine(line);
    tap.emit(agent, stream, line);
  };
}

/** Reads one pipe to its end: each chunk whole to the stream and file, then the scanner. */
function read(
  pipe: ReadableStream<Uint8Array>,
  to: {
    captured: CapturedStream;
    file: RotatingFile | null;
    lineMax: number;
    onLine: ((line: string) => void) | null;
    exited: Promise<unknown>;
    tapped: Tapped;
  },
): Promise<void> {
  const { captured, file, tapped } = to;
  const scanner = new LineScanner(to.lineMax, to.onLine);
  let observed: ((line: string) => void) | null = null;
  return pump(pipe, (chunk, offset) => {
    if (offset === 0) {
      captured.write(chunk);
      file?.write(chunk);
      // Lines are split for observers only while one wants this agent.
      const wanted = tapped.tap.wants(tapped.agent);
      if (wanted !== (observed !== null)) {
        observed = wanted ? tappedLine(to.onLine, tapped) : null;
        scanner.listen(observed ?? to.onLine);
      }
    }
    const cut = scanner.cutLines;
    const next = scanner.scan(chunk, offset);
    captured.cutLines += scanner.cutLines - cut;
    return next;
  }, { pacer: OUTPUT_PACER, coalesceMs: COALESCE_MS, flushOn: to.exited }).then(() =>
    scanner.end()
  );
}
