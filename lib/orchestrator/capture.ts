/**
 * Output capture of one run: pipes → line splitter → bounded ring, rotated
 * log files and the log_pattern probe (docs/operations.md).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { OrchestratorConfig } from "../config/types.ts";
import { pump } from "../agent/process.ts";
import { LineRing, LineSplitter } from "../agent/ring.ts";
import { RotatingFile } from "../agent/logfile.ts";
import type { Agent, Run } from "./agent.ts";

const log = getLogger(["orchestrator", "output"]);

/** Where and how much output is kept (from the orchestrator config). */
export type CaptureOptions = Pick<
  OrchestratorConfig,
  "output_buffer_bytes" | "log_dir" | "log_max_bytes" | "log_max_files"
>;

/**
 * Reads the run's pipes into the agent's rings (when `capture_output`), its
 * log files (when `log_dir`) and hands each line to `onLine` for the
 * log_pattern probe. Resolves when both pipes are read to the end.
 */
export function startCapture(
  agent: Agent,
  run: Run,
  options: CaptureOptions & { onLine: ((line: string) => void) | null },
): Promise<void> {
  const { proc } = run;
  if (proc.stdout === null || proc.stderr === null) return Promise.resolve();
  const config = agent.config;
  const keep = config.tool_call_template.capture_output;
  const bound = options.output_buffer_bytes;
  if (keep) {
    agent.out ??= new LineRing(bound);
    agent.err ??= new LineRing(bound);
    run.outMark = agent.out.total;
    run.errMark = agent.err.total;
  }
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
  const lineHandler = (ring: LineRing | null) => {
    if (ring === null && options.onLine === null) return null;
    const splitter = new LineSplitter(bound, (line) => {
      ring?.push(line);
      if (agent.run === run) options.onLine?.(line);
    });
    return splitter;
  };
  const outLines = lineHandler(keep ? agent.out : null);
  const errLines = lineHandler(keep ? agent.err : null);
  const outFile = agent.outFile;
  const errFile = agent.errFile;
  const a = pump(
    proc.stdout,
    outLines === null ? null : (t) => outLines.write(t),
    outFile === null ? null : (b) => outFile.write(b),
  ).then(() => outLines?.end());
  const b = pump(
    proc.stderr,
    errLines === null ? null : (t) => errLines.write(t),
    errFile === null ? null : (b) => errFile.write(b),
  ).then(() => errLines?.end());
  return Promise.all([a, b]).then(() => {});
}
