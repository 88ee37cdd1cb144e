/**
 * Logging setup (logtape): one sink that writes timestamped lines to stderr.
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

/** Writes one formatted record to stderr; never throws. */
function stderrSink(record: LogRecord): void {
  try {
    const bytes = encoder.encode(defaultTextFormatter(record));
    let offset = 0;
    while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
  } catch {
    // stderr is closed: nothing else can be told.
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
