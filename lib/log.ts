/**
 * Logging setup (logtape): one sink that writes lines to stderr, each whole
 * or not at all.
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

/** Where stderr leads, read through procfs (the descriptor itself cannot be stat-ed or truncated). */
const STDERR_PATH = "/proc/self/fd/2";
/** `O_APPEND` in the `flags:` (octal) of `/proc/self/fdinfo/2`. */
const O_APPEND = 0o2000;

/** Log lines that could not be written to stderr since the last one that was. */
let lostLines = 0;
/** A line was cut short where it could not be removed: the next one starts on a new line. */
let torn = false;

/**
 * A sink that writes each record, formatted, to stderr, whole or not at all
 * (docs/operations.md, "Faults"); never throws. After lines were lost, the
 * next line written is preceded by a WARNING saying how many.
 */
function stderrSink(format: TextFormatter): (record: LogRecord) => void {
  return (record) => {
    const text = (torn ? "\n" : "") + format(record);
    if (!writeStderrLine(encoder.encode(text))) {
      lostLines++;
      return;
    }
    torn = false;
    if (lostLines === 0) return;
    const lost = lostLines;
    const notice = `${lost} log lines could not be written to stderr`;
    lostLines = 0;
    const written = writeStderrLine(encoder.encode(format({
      category: ["orchestrator", "log"],
      level: "warning",
      message: [notice],
      rawMessage: notice,
      timestamp: Date.now(),
      properties: {},
    })));
    if (!written) lostLines = lost;
  };
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

/** True when stderr was opened with O_APPEND. */
function stderrAppends(): boolean {
  const flags = /^flags:\s*([0-7]+)$/m.exec(Deno.readTextFileSync("/proc/self/fdinfo/2"));
  return flags !== null && (parseInt(flags[1], 8) & O_APPEND) !== 0;
}
