/**
 * Logging setup (logtape): one sink that writes timestamped lines to stderr,
 * each whole or not at all.
 * `run` calls {@link configureLogging} with `cli_log_level`; modules log
 * through `getLogger(["orchestrator", <area>])`.
 *
 * @module
 */

import {
  configureSync,
  defaultTextFormatter,
  type LogLevel,
  type LogRecord,
} from "@logtape/logtape";
import type { LogLevelName } from "./config/types.ts";

/** `cli_log_level` → logtape level. */
export const LOG_LEVELS: Readonly<Record<LogLevelName, LogLevel>> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
};

const encoder = new TextEncoder();

/** Where stderr leads, read through procfs (the descriptor itself cannot be stat-ed or truncated). */
const STDERR_PATH = "/proc/self/fd/2";
/** `O_APPEND` in the `flags:` (octal) of `/proc/self/fdinfo/2`. */
const O_APPEND = 0o2000;

/** Log lines that could not be written to stderr since the last one that was. */
let lostLines = 0;
/** A line was cut short where it could not be removed: the next one starts on a new line. */
let torn = false;

/**
 * Writes one formatted record to stderr, whole or not at all (docs/operations.md,
 * "Faults"); never throws. After lines were lost, the next line written is
 * preceded by a WARNING saying how many.
 */
function stderrSink(record: LogRecord): void {
  const text = (torn ? "\n" : "") + defaultTextFormatter(record);
  if (!writeStderrLine(encoder.encode(text))) {
    lostLines++;
    return;
  }
  torn = false;
  if (lostLines === 0) return;
  const lost = lostLines;
  const notice = `${lost} log lines could not be written to stderr`;
  lostLines = 0;
  const written = writeStderrLine(encoder.encode(defaultTextFormatter({
    category: ["orchestrator", "log"],
    level: "warning",
    message: [notice],
    rawMessage: notice,
    timestamp: Date.now(),
    properties: {},
  })));
  if (!written) lostLines = lost;
}

/**
 * Writes `bytes` to stderr; false when that failed. When a write failed after
 * part of the bytes went out to a regular file opened for appending (a full
 * filesystem), the file is truncated back to its size before them; elsewhere
 * (a pipe, a terminal, a file without O_APPEND) the next line starts with a
 * newline instead, so the torn one never merges with it.
 */
function writeStderrLine(bytes: Uint8Array): boolean {
  let written = 0;
  try {
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
    return true;
  } catch {
    if (written > 0 && !truncateStderr(written)) torn = true;
    return false;
  }
}

/**
 * Removes the last `count` bytes of stderr when it is a regular file opened
 * for appending (`2>>file`, systemd's `append:`); false otherwise. (Without
 * O_APPEND the descriptor's offset would stay past the new end, and the next
 * write would leave a hole of zero bytes.)
 */
function truncateStderr(count: number): boolean {
  try {
    const info = Deno.statSync(STDERR_PATH);
    if (!info.isFile || !stderrAppends()) return false;
    // Deno's truncate does not follow the procfs link: truncate the file it names, if it is the same.
    const path = Deno.readLinkSync(STDERR_PATH);
    const named = Deno.statSync(path);
    if (named.ino !== info.ino || named.dev !== info.dev) return false;
    Deno.truncateSync(path, Math.max(0, info.size - count));
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends every `["orchestrator", …]` record at `level` or above to stderr,
 * as `2025-07-27 10:30:00.000 +00:00 [INF] orchestrator·agents: message`.
 * May be called again to change the level.
 */
export function configureLogging(level: LogLevelName): void {
  configureSync({
    reset: true,
    sinks: { stderr: stderrSink },
    loggers: [
      { category: ["orchestrator"], lowestLevel: LOG_LEVELS[level], sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}

/** True when stderr was opened with O_APPEND. */
function stderrAppends(): boolean {
  const flags = /^flags:\s*([0-7]+)$/m.exec(Deno.readTextFileSync("/proc/self/fdinfo/2"));
  return flags !== null && (parseInt(flags[1], 8) & O_APPEND) !== 0;
}
