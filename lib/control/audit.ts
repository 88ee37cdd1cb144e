/**
 * The CLI audit trail (SPEC §6): one line per request, in the seed's format
 *
 * ```
 * 2025-07-27T10:30:00Z [CLI] user=admin(reported) command=start agent=WeatherAgent result=success code=200 duration_ms=0.4 uid=0 pid=4242
 * ```
 *
 * Values that are not plain tokens are written as JSON strings, so a value
 * with spaces, quotes, `=` or newlines can never split a line or forge a
 * field. Values a client sent are capped (`lib/text_cap.ts`): the user,
 * command and agent at 256 bytes, the error message at 1024, each with a
 * visible `…(N more bytes)`. `formatAuditLine` is pure; `AuditLog` writes
 * each line with one synchronous write to a file opened append-only (no
 * buffering across requests) and to the `["orchestrator", "cli"]` logger.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { dirname } from "../path.ts";
import { isoTime } from "../iso_time.ts";
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

/** ISO 8601 UTC with second precision, as in the seed (`2025-07-27T10:30:00Z`). */
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
  } command=${auditValue(capText(entry.command))}`;
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

/** Writes audit lines to the audit file (if configured) and the log (if enabled). */
export class AuditLog {
  #file: Deno.FsFile | null;
  #log: boolean;
  #logger = getLogger(["orchestrator", "cli"]);

  private constructor(file: Deno.FsFile | null, log: boolean) {
    this.#file = file;
    this.#log = log;
  }

  /**
   * Opens the audit file append-only (created with mode 0600, parent
   * directories created) when `path` is set.
   */
  static async open(options: { path: string | null; log: boolean }): Promise<AuditLog> {
    let file: Deno.FsFile | null = null;
    if (options.path !== null) {
      await Deno.mkdir(dirname(options.path), { recursive: true });
      try {
        file = await Deno.open(options.path, { append: true, create: true, mode: 0o600 });
      } catch (error) {
        throw new Error(
          `Cannot open CLI audit log "${options.path}": ${(error as Error).message}`,
        );
      }
    }
    return new AuditLog(file, options.log);
  }

  /** False when there is neither an audit file nor CLI logging (nothing to format). */
  get enabled(): boolean {
    return this.#file !== null || this.#log;
  }

  /** Records one request. Never throws: a failing audit write is logged instead. */
  write(entry: AuditEntry): void {
    const line = formatAuditLine(entry);
    if (this.#file !== null) {
      try {
        const data = encoder.encode(line + "\n");
        let offset = 0;
        while (offset < data.length) offset += this.#file.writeSync(data.subarray(offset));
      } catch (error) {
        this.#logger.error("Cannot write CLI audit log: {message}", {
          message: (error as Error).message,
        });
      }
    }
    if (this.#log) {
      // Braces are escaped so client-supplied text is never read as a placeholder.
      const message = line.includes("{") || line.includes("}")
        ? line.replaceAll("{", "{{").replaceAll("}", "}}")
        : line;
      if (entry.result === "success") this.#logger.info(message);
      else this.#logger.warn(message);
    }
  }

  /** Closes the audit file. */
  close(): void {
    if (this.#file !== null) {
      try {
        this.#file.close();
      } catch {
        // already closed
      }
      this.#file = null;
    }
  }
}
