/**
 * `orchestrator reload [--dry-run]`: the orchestrator reads its config file
 * again and applies the difference (docs/operations.md, "Changing the
 * config"); `--dry-run` only shows it. A file with errors changes nothing:
 * the results are printed as `validate` prints them, and the command exits 1.
 *
 * @module
 */

import { ClientError } from "../control/client.ts";
import type { ErrorResponse } from "../control/protocol.ts";
import type { ReloadReport } from "../agent/info.ts";
import type { ValidationResult } from "../config/types.ts";
import { formatResults } from "../config/format.ts";
import {
  type ClientCommandSpec,
  helpText,
  type Invocation,
  parseInvocation,
  renderResponse,
  send,
  unavailable,
} from "./client_command.ts";
import { type FormatOptions, paint } from "./format.ts";
import { type CliResult, EXIT } from "./result.ts";

/** The `reload` command. */
export const spec: ClientCommandSpec = {
  name: "reload",
  agent: "none",
  flags: [{
    name: "dry-run",
    type: "boolean",
    help: "Show the difference and change nothing",
  }],
  options: (args) => args.flags["dry-run"] === true ? { dry_run: true } : {},
  format: formatReload,
  notes: "The orchestrator re-reads the file given to 'run' (as SIGHUP does). Unchanged agents " +
    "keep their process; changed ones restart; removed ones stop; added autostart ones start. " +
    "A file with errors changes nothing: its results are printed as 'validate' prints them " +
    "(exit 1). --json prints the answer exactly.",
};

/** `web (tool_call_template.args)`: a name with the fields that changed, when known. */
function withFields(name: string, fields: Record<string, string[]>): string {
  const list = fields[name];
  return list === undefined || list.length === 0 ? name : `${name} (${list.join(", ")})`;
}

/**
 * The human output of a `reload` answer: what happened in one line, then one
 * line per list that is not empty.
 *
 * @example
 * ```ts
 * formatReload(report, { color: false });
 * // Reloaded "/etc/orchestrator.jsonc": 1 added, 0 removed, 1 changed (1 restarted), 0 updated in place, 4 unchanged
 * // added:      cache
 * // restarted:  web (tool_call_template.args)
 * ```
 */
export function formatReload(r: ReloadReport, o: FormatOptions): string {
  const file = r.file === null ? "the config" : JSON.stringify(r.file);
  const head = r.dry_run ? `Dry run of ${file}, nothing changed:` : `Reloaded ${file}:`;
  const counts = `${r.added.length} added, ${r.removed.length} removed, ` +
    `${r.changed.length} changed (${r.restarted.length} ${
      r.dry_run ? "to restart" : "restarted"
    }), ${r.updated_in_place.length} updated in place, ${r.unchanged} unchanged`;
  const restarted = new Set(r.restarted);
  const rows: [string, string[]][] = [
    ["added", r.added],
    ["removed", r.removed],
    [r.dry_run ? "to restart" : "restarted", r.restarted.map((n) => withFields(n, r.fields))],
    [
      "changed, not running",
      r.changed.filter((n) => !restarted.has(n)).map((n) => withFields(n, r.fields)),
    ],
    ["updated in place", r.updated_in_place.map((n) => withFields(n, r.fields))],
    ["options applied", r.options_applied],
    ["needs restart", r.needs_restart],
  ];
  const shown = rows.filter(([, list]) => list.length > 0);
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  const lines = [`${paint(head, "bold", o.color)} ${counts}`];
  for (const [label, list] of shown) lines.push(`${`${label}:`.padEnd(width)}  ${list.join(", ")}`);
  if (r.needs_restart.length > 0) {
    lines.push(
      paint(
        "(options under needs restart keep their value until run starts again)",
        "dim",
        o.color,
      ),
    );
  }
  return lines.join("\n");
}

/** The validation results an error answer carries (a refused reload), if any. */
function resultsOf(response: ErrorResponse): { file: string; results: ValidationResult[] } | null {
  const data = response.data as { file?: unknown; results?: unknown } | null | undefined;
  if (data === undefined || data === null || !Array.isArray(data.results)) return null;
  return { file: typeof data.file === "string" ? data.file : "config", results: data.results };
}

async function reload(inv: Invocation): Promise<CliResult> {
  const response = await send(inv, { command: "reload", options: spec.options!(inv.args) });
  if (response.status !== "error" || inv.json) return renderResponse(spec, response, inv);
  const refused = resultsOf(response);
  if (refused === null) return renderResponse(spec, response, inv);
  return {
    exitCode: EXIT.error,
    stdout: formatResults(refused.results, refused.file, { color: inv.format.color }),
    stderr: `Error ${response.code}: ${response.error}`,
  };
}

/** Runs `orchestrator reload`. */
export async function main(argv: string[]): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  try {
    return await reload(inv);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
