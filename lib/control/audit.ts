/**
 * The CLI audit trail (docs/protocol.md, "Audit"): one line per request
 *
 * ```
 * 2025-07-27T10:30:00Z [CLI] user=admin(reported) command=start agent=WeatherAgent result=success code=200 duration_ms=0.4 uid=0 pid=4242
 * 2025-07-27T10:30:02Z [CLI] user=alice reported_user=bob command=stats result=success code=200 duration_ms=0.2 uid=1000 pid=4250
 * ```
 *
 * Values that are not plain tokens are written as JSON strings, so a value
 * with spaces, quotes, `=` or newlines can never split a line or forge a
 * field. Values a client sent are capped (`lib/text_cap.ts`): the user,
 * command and agent at 256 bytes, the error message at 1024, each with a
 * visible `…(N more bytes)`. `formatAuditLine` is pure; `AuditLog` writes
 * each line whole, with one synchronous write, to a file opened append-only
 * and rotated by size (no buffering across requests), and to the
 * `["orchestrator", "cli"]` logger.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { dirname } from "../path.ts";
import { isoTime } from "../iso_time.ts";
import { LineFile } from "../line_file.ts";
import { ORCHESTRATOR_DEFAULTS } from "../config/defaults.ts";
import { capText, MESSAGE_MAX_BYTES } from "../text_cap.ts";

/** How a request ended, as the audit line says it. */
export type AuditResult = "success" | "error" | "blocked" | "timeout";

/** What one audit line records. */
export interface AuditEntry {
  /** When the request arrived. */
  time: Date;
  /** User name; `reported` marks identities the client claimed (not verified by the OS). */
  user: string;
  reported: boolean;
  /** What a verified caller reported instead (`reported_user=`), when it names another user. */
  reportedUser?: string;
  /** Command name as sent (`-` when the request could not be parsed). */
  command: string;
  /** The agent the command is about, if any. */
  agent?: string;
  result: AuditResult;
  /** 200 for success, else the protocol code. */
  code: number;
  durationMs: number;
  uid?: number;
  pid?: number;
  /** Error message, for failures. */
  error?: string;
}

const PLAIN = /^[A-Za-z0-9_.:/@+,()-]+$/;

/** Escapes one value: plain tokens as they are, anything else as a JSON string. */
export function auditValue(value: string): string {
  return value !== "" && PLAIN.test(value) ? value : JSON.stringify(value);
}

/** ISO 8601 UTC with second precision (`2025-07-27T10:30:00Z`). */
export function auditTimestamp(time: Date): string {
  return isoTime(time.getTime()).slice(0, 19) + "Z";
}

/**
 * Formats one audit line (without the newline).
 *
 * @example
 * ```ts
 * formatAuditLine({ time: new Date(0), user: "admin", reported: false, command: "stats",
 *   result: "success", code: 200, durationMs: 0.2 });
 * // "1970-01-01T00:00:00Z [CLI] user=admin command=stats result=success code=200 duration_ms=0.2"
 * ```
 */
export function formatAuditLine(entry: AuditEntry): string {
  const user = capText(entry.user);
  let line = `${auditTimestamp(entry.time)} [CLI] user=${
    auditValue(entry.reported ? `${user}(reported)` : user)
  }`;
  if (entry.reportedUser !== undefined) {
    line += ` reported_user=${auditValue(capText(entry.reportedUser))}`;
  }
  line += ` command=${auditValue(capText(entry.command))}`;
  if (entry.agent !== undefined) line += ` agent=${auditValue(capText(entry.agent))}`;
  line += ` result=${entry.result} code=${entry.code} duration_ms=${
    Math.round(entry.durationMs * 1000) / 1000
  }`;
  if (entry.uid !== undefined) line += ` uid=${entry.uid}`;
  if (entry.pid !== undefined) line += ` pid=${entry.pid}`;
  if (entry.error !== undefined) {
    line += ` error=${auditValue(capText(entry.error, MESSAGE_MAX_BYTES))}`;
  }
  return line;
}

const encoder = new TextEncoder();

/** Where audit lines go: the file and its rotation (`null` path = no file), and the log switch. */
export interface AuditLogOptions {
  /** `cli_audit_log_path`, or `null` for no file. */
  path: string | null;
  /** `log_cli_commands`: also send each line to the orchestrator log. */
  log: boolean;
  /** `cli_audit_log_max_bytes`. Default 10 MiB (`ORCHESTRATOR_DEFAULTS`). */
  maxBytes?: number;
  /** `cli_audit_log_max_files`. Default 5 (`ORCHESTRATOR_DEFAULTS`). */
  maxFiles?: number;
  /** Least time between two attempts while writes fail, in ms. Default 1000. */
  retryMs?: number;
}

/**
 * Writes audit lines to the audit file (if configured) and the log (if
 * enabled). The file is a {@linkcode LineFile}: each line is written whole
 * or not at all, synchronously (so before the request's answer is queued),
 * rotated by size, and reopened by `reopenLineFiles()` (SIGUSR1). A failing
 * file logs one ERROR per episode and one WARNING with the lines lost when
 * it works again (docs/operations.md, "Faults").
 */
export class AuditLog {
  #file: LineFile | null;
  #log: boolean;
  #logger = getLogger(["orchestrator", "cli"]);

  private constructor(file: LineFile | null, log: boolean) {
    this.#file = file;
    this.#log = log;
  }

  /**
   * Opens the audit file append-only (created with mode 0600, parent
   * directories created) when `path` is set.
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const path = options.path;
    if (path === null) return new AuditLog(null, options.log);
    const logger = getLogger(["orchestrator", "cli"]);
    await Deno.mkdir(dirname(path), { recursive: true });
    let file: LineFile;
    try {
      file = LineFile.open(path, {
        maxBytes: options.maxBytes ?? ORCHESTRATOR_DEFAULTS.cli_audit_log_max_bytes,
        maxFiles: options.maxFiles ?? ORCHESTRATOR_DEFAULTS.cli_audit_log_max_files,
        retryMs: options.retryMs,
        onError: (error) =>
          logger.error(
            literal(
              `Cannot write CLI audit log "${path}": ${
                (error as Error).message
              }; lines are dropped and counted until it works again`,
            ),
          ),
        onRecover: (lost) =>
          logger.warn(literal(`CLI audit log "${path}" is written again: ${lost} lines were lost`)),
      });
    } catch (error) {
      throw new Error(`Cannot open CLI audit log "${path}": ${(error as Error).message}`);
    }
    return new AuditLog(file, options.log);
  }

  /** False when there is neither an audit file nor CLI logging (nothing to format). */
  get enabled(): boolean {
    return this.#file !== null || this.#log;
  }

  /** Lines that could not be written to the audit file, since it was opened. */
  get lostLines(): number {
    return this.#file?.lostLines ?? 0;
  }

  /** Records one request. Never throws: a failing audit write is logged instead. */
  write(entry: AuditEntry): void {
    const line = formatAuditLine(entry);
    this.#file?.writeLine(encoder.encode(line + "\n"));
    if (this.#log) {
      // Braces are escaped so client-supplied text is never read as a placeholder.
      const message = literal(line);
      if (entry.result === "success") this.#logger.info(message);
      else this.#logger.warn(message);
    }
  }

  /** Closes the audit file. */
  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

/** `text` as a logtape message template with no placeholder (braces doubled). */
function literal(text: string): string {
  return text.includes("{") || text.includes("}")
    ? text.replaceAll("{", "{{").replaceAll("}", "}}")
    : text;
}
