/**
 * Logging setup (logtape): one sink that writes lines to stderr.
 * `run` calls {@link configureLogging} with `cli_log_level`; modules log
 * through `getLogger(["orchestrator", <area>])`.
 *
 * When stderr is the systemd journal (`JOURNAL_STREAM` names stderr's
 * device and inode), each line starts with its syslog priority (`<3>`
 * error … `<7>` debug) and has no timestamp: journald keeps the priority
 * and stamps the line itself (docs/operations.md, "Forwarding output").
 *
 * @module
 */

import {
  configureSync,
  defaultTextFormatter,
  getTextFormatter,
  type LogLevel,
  type LogRecord,
  type TextFormatter,
} from "@logtape/logtape";
import type { LogLevelName } from "./config/types.ts";

/** `cli_log_level` → logtape level. */
export const LOG_LEVELS: Readonly<Record<LogLevelName, LogLevel>> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
};

/** The syslog priority of each level, as journald reads it from a `<N>` prefix. */
export const SYSLOG_PRIORITIES: Readonly<Record<LogLevel, number>> = {
  fatal: 2,
  error: 3,
  warning: 4,
  info: 6,
  debug: 7,
  trace: 7,
};

/**
 * True when `journalStream` (the value of `JOURNAL_STREAM`, `DEV:INODE` in
 * decimal) names the file `stat` describes: systemd connected that stream
 * to the journal. A stream redirected since (e.g. `2>file` in a unit's
 * shell) no longer matches.
 *
 * @example
 * ```ts
 * isJournalStream("9:502183", { dev: 9, ino: 502183 }); // true
 * ```
 */
export function isJournalStream(
  journalStream: string | undefined,
  stat: { dev: number | null; ino: number | null } | null,
): boolean {
  if (journalStream === undefined || stat === null) return false;
  const m = /^([0-9]+):([0-9]+)$/.exec(journalStream);
  return m !== null && Number(m[1]) === stat.dev && Number(m[2]) === stat.ino;
}

/** True when this process's stderr is the journal (see {@link isJournalStream}). */
export function stderrIsJournal(): boolean {
  let journal: string | undefined;
  try {
    journal = Deno.env.get("JOURNAL_STREAM");
  } catch {
    return false; // no --allow-env
  }
  if (journal === undefined) return false;
  try {
    return isJournalStream(journal, Deno.statSync("/proc/self/fd/2"));
  } catch {
    return false;
  }
}

const bare = getTextFormatter({ timestamp: "none", format: (v) => `${v.category}: ${v.message}` });

/**
 * The journal's form of a record: `<4>orchestrator·run: message`, every line
 * of a multi-line message with the priority, no timestamp.
 */
export const journalFormatter: TextFormatter = (record: LogRecord) => {
  const prefix = `<${SYSLOG_PRIORITIES[record.level]}>`;
  return bare(record).replace(/\n$/, "").split("\n").map((l) => prefix + l).join("\n") + "\n";
};

const encoder = new TextEncoder();

/** A sink that writes each record, formatted, to stderr; never throws. */
function stderrSink(format: TextFormatter): (record: LogRecord) => void {
  return (record) => {
    try {
      const bytes = encoder.encode(format(record));
      let offset = 0;
      while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
    } catch {
      // stderr is closed: nothing else can be told.
    }
  };
}

/**
 * Sends every `["orchestrator", …]` record at `level` or above to stderr,
 * as `2025-07-27 10:30:00.000 +00:00 [INF] orchestrator·agents: message`, or
 * `<6>orchestrator·agents: message` when stderr is the journal. May be
 * called again to change the level.
 */
export function configureLogging(level: LogLevelName): void {
  const format = stderrIsJournal() ? journalFormatter : defaultTextFormatter;
  configureSync({
    reset: true,
    sinks: { stderr: stderrSink(format) },
    loggers: [
      { category: ["orchestrator"], lowestLevel: LOG_LEVELS[level], sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
