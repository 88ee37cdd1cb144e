/**
 * The reloader of `orchestrator run` (docs/operations.md, "Changing the
 * config"): what the `reload` command and SIGHUP call. It reads the file
 * given to `run` again and validates it; a file with errors changes nothing
 * (400, with the results as `validate --json` gives them). Otherwise it
 * applies the options this shell owns — the control socket's policy
 * (allowed and blocked commands, `command_timeout`, the audit log, reopened
 * when its path or `log_cli_commands` changed) and connection limits (idle
 * and frame times, buffered bytes, connections, frame size), the log level,
 * the event retention — and has the orchestrator apply the rest. It logs the
 * outcome.
 *
 * Reloads run one at a time; one asked for while another is applied waits
 * for it, and reads the file when its turn comes (requests made meanwhile
 * share that one reload). A dry run waits for nothing and changes nothing.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { Reloader } from "../agent/controller.ts";
import type { ReloadReport } from "../agent/info.ts";
import { loadConfigFile } from "../config/load.ts";
import { formatResults, summarize } from "../config/format.ts";
import type { OrchestratorConfig, ValidationResult } from "../config/types.ts";
import { AuditLog } from "../control/audit.ts";
import { allowedCommands, compilePolicies } from "../control/authorize.ts";
import type { ControlServer } from "../control/server.ts";
import { OrchestratorError } from "../errors.ts";
import type { EventStore } from "../events/store.ts";
import { configureLogging } from "../log.ts";
import type { Orchestrator } from "../orchestrator.ts";
import { sameJson } from "../orchestrator/reload_plan.ts";

/** Called around every reload that may change something (not around dry runs). */
export interface ReloadHooks {
  /** A reload begins (before the file is read). */
  begin(): void;
  /** It ended: applied (`ok`) or refused. */
  end(ok: boolean): void;
}

/** What {@link ConfigReloader} works on. */
export interface ConfigReloaderOptions {
  /** The config file given to `run`. */
  path: string;
  orchestrator: Orchestrator;
  store: EventStore;
  /** The control server, when one runs (its policy is replaced). */
  server: () => ControlServer | null;
  hooks?: ReloadHooks;
}

const log = getLogger(["orchestrator", "run"]);

/** `2 errors` / `1 error`. */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The lines `validate` prints for `results`, without its summary line. */
function resultLines(results: readonly ValidationResult[], path: string): string[] {
  return results.length === 0 ? [] : formatResults(results, path).split("\n").slice(0, -1);
}

/** The one line that tells what a reload did. */
function describeReload(r: ReloadReport): string {
  return `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed ` +
    `(${r.restarted.length} restarted), ${r.updated_in_place.length} updated in place, ` +
    `${r.unchanged} unchanged`;
}

/** Reads the file again and applies it. One per `run`. */
export class ConfigReloader implements Reloader {
  readonly #options: ConfigReloaderOptions;
  /** The reload being applied (or the last one): the next waits for it. */
  #queue: Promise<unknown> = Promise.resolve();
  /** A reload waiting for its turn, which later requests share. */
  #waiting: Promise<ReloadReport> | null = null;

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
  }

  reload(options: { dryRun: boolean; trigger: string }): Promise<ReloadReport> {
    if (options.dryRun) return this.#once(true, options.trigger);
    if (this.#waiting !== null) return this.#waiting;
    const turn = this.#queue.then(() => {
      this.#waiting = null;
      return this.#once(false, options.trigger);
    });
    this.#waiting = turn;
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #once(dryRun: boolean, trigger: string): Promise<ReloadReport> {
    const { path, hooks } = this.#options;
    if (!dryRun) hooks?.begin();
    let ok = false;
    try {
      const report = await this.#apply(dryRun, trigger);
      ok = true;
      if (!dryRun) {
        log.info(`Reloaded "${path}" (${trigger}): ${describeReload(report)}`);
        if (report.needs_restart.length > 0) {
          log.warn(
            `Reload of "${path}": ${report.needs_restart.join(", ")} changed but apply only ` +
              "when run starts again (not applied)",
          );
        }
      }
      return report;
    } catch (error) {
      if (!dryRun) log.error(`${(error as Error).message} (${trigger})`);
      throw error;
    } finally {
      if (!dryRun) hooks?.end(ok);
    }
  }

  async #apply(dryRun: boolean, trigger: string): Promise<ReloadReport> {
    const { path, orchestrator } = this.#options;
    const loaded = await loadConfigFile(path);
    if (loaded.config === null) throw this.#refusal(loaded.results, dryRun);
    const config = loaded.config;
    if (dryRun) return await orchestrator.reload(config, { dryRun, file: path, trigger });
    for (const line of resultLines(loaded.results, path)) log.warn(`Reload: ${line}`);
    const before = orchestrator.config;
    await this.#applyControl(before, config);
    const report = await orchestrator.reload(config, { file: path, trigger });
    if (before.cli_log_level !== config.cli_log_level) configureLogging(config.cli_log_level);
    if (!sameJson(before.event_retention, config.event_retention)) {
      this.#options.store.setRetention(config.event_retention);
    }
    return report;
  }

  /** The 400 of a file with errors: the results as `validate --json` gives them; logged. */
  #refusal(results: ValidationResult[], dryRun: boolean): OrchestratorError {
    const { path } = this.#options;
    const summary = summarize(results);
    if (!dryRun) { for (const line of resultLines(results, path)) log.error(`Reload: ${line}`); }
    return new OrchestratorError(
      400,
      `Cannot reload "${path}": the config has ${count(summary.errors, "error")}, nothing changed`,
      {},
      { data: { file: path, valid: false, results, summary } },
    );
  }

  /**
   * Applies the control socket's connection limits, and replaces its policy
   * when one of its options changed: the allowed commands, the timeout, and
   * the audit log (a new one opened first: when it cannot be, the policy
   * has not changed).
   */
  async #applyControl(before: OrchestratorConfig, after: OrchestratorConfig): Promise<void> {
    const server = this.#options.server();
    if (server === null) return;
    const same = (key: keyof OrchestratorConfig) =>
      JSON.stringify(before[key]) === JSON.stringify(after[key]);
    const auditSame = same("cli_audit_log_path") && same("log_cli_commands") &&
      same("cli_audit_log_max_bytes") && same("cli_audit_log_max_files");
    if (
      auditSame && same("allowed_commands") && same("blocked_commands") &&
      same("command_timeout") && same("command_policies")
    ) {
      server.configureLimits(after);
      return;
    }
    const policy = server.dispatcher.policy;
    let audit = policy.audit;
    if (!auditSame) {
      try {
        audit = await AuditLog.open({
          path: after.cli_audit_log_path,
          log: after.log_cli_commands,
          maxBytes: after.cli_audit_log_max_bytes,
          maxFiles: after.cli_audit_log_max_files,
        });
      } catch (error) {
        const reason = (error as Error).message;
        throw new OrchestratorError(
          500,
          `Cannot reload "${this.#options.path}": ${
            reason.charAt(0).toLowerCase() + reason.slice(1)
          }; nothing changed`,
        );
      }
    }
    server.dispatcher.configure({
      ...policy,
      allowed: allowedCommands(after),
      policies: compilePolicies(after),
      timeoutMs: after.command_timeout * 1000,
      audit,
    });
    server.configureLimits(after);
  }
}
