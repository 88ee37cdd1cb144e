/**
 * `orchestrator run CONFIG`: load and validate the config (refuse it with
 * the same results `validate` prints), take the lock files, create the
 * missing directories, open the event store, start the control socket when
 * enabled, boot the agents and supervise them until SIGINT, SIGTERM, SIGQUIT
 * or the `shutdown` command (see docs/operations.md).
 *
 * Shutdown sequence: stop accepting commands and finish those in flight
 * (bounded by `command_timeout`), stop every agent in reverse dependency
 * order, record ORCHESTRATOR_SHUTDOWN, remove the socket, close the store,
 * release the locks, exit 0. Other signals: see `run_signals.ts`.
 *
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";
import { type CliResult, EXIT } from "./result.ts";
import { oneFile, parseCliArgs } from "./args.ts";
import { colorEnabled } from "./format.ts";
import { loadConfigFile } from "../config/load.ts";
import type { OrchestratorConfig } from "../config/types.ts";
import { formatResults } from "../config/format.ts";
import { EventStore } from "../events/store.ts";
import { ControlServer } from "../control/server.ts";
import { Orchestrator } from "../orchestrator.ts";
import { configureLogging } from "../log.ts";
import { OrchestratorError } from "../errors.ts";
import { reopenLogFiles } from "../agent/logfile.ts";
import { ignoredMessage, installSignalHandlers, type SignalAction } from "./run_signals.ts";
import { SignalDebuggerGuard } from "./run_inspector.ts";
import { prepareRunFiles, releaseAll } from "./run_files.ts";
import type { LockFile } from "../lock.ts";
import { mapLargeAllocations } from "../libc.ts";

/** Allocations from this size on are returned to the system when freed (glibc's initial threshold). */
const LARGE_ALLOCATION_BYTES = 128 * 1024;

const HELP = `Usage: orchestrator run CONFIG

Runs the agents of CONFIG (JSONC) in the foreground until SIGINT, SIGTERM,
SIGQUIT or the 'shutdown' command. SIGUSR1 reopens the agents' log files;
SIGHUP and SIGUSR2 are logged and ignored. A config with validation errors is
refused (exit 1) with the results 'orchestrator validate' prints; an
unreadable or unparsable file exits 2. Another orchestrator holding the same
control socket or event store makes it exit 1.

Options:
  --no-color   No colour in the results printed (also: NO_COLOR=1 or TERM=dumb)
  -h, --help   Show this help`;

/** Runs `orchestrator run`. Resolves when the orchestrator has shut down. */
export async function main(argv: string[]): Promise<CliResult> {
  const parsed = parseCliArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h" }, "no-color": { type: "boolean" } },
    allowPositionals: true,
  });
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: HELP };
  const path = oneFile(parsed.positionals, "config file");
  const color = colorEnabled(Deno.stderr, { noColor: parsed.values["no-color"] });

  const loaded = await loadConfigFile(path);
  if (loaded.readError !== undefined) return { exitCode: EXIT.usage, stderr: loaded.readError };
  if (loaded.config === null) {
    return {
      exitCode: loaded.parseFailed ? EXIT.usage : EXIT.error,
      stderr: formatResults(loaded.results, path, { color }) +
        `\nRefusing to run "${path}": fix the errors above`,
    };
  }
  const config = loaded.config;
  configureLogging(config.cli_log_level);
  mapLargeAllocations(LARGE_ALLOCATION_BYTES);
  const log = getLogger(["orchestrator", "run"]);
  if (loaded.results.length > 0) {
    const text = formatResults(loaded.results, path, { color });
    if (text !== "") Deno.stderr.writeSync(new TextEncoder().encode(text + "\n"));
  }

  const shutdown = new ShutdownLatch();
  const debuggerGuard = new SignalDebuggerGuard();
  const removeSignalHandlers = installSignalHandlers((signal, action) =>
    onSignal(signal, action, { log, shutdown, debuggerGuard })
  );
  try {
    return await runLocked(config, path, shutdown);
  } finally {
    removeSignalHandlers();
  }
}

/** The one shutdown request of a run: the first reason wins, later requests are refused. */
class ShutdownLatch {
  #requested = false;
  #resolve: (reason: string) => void = () => {};
  /** Resolves with the reason of the first request. */
  readonly reason: Promise<string> = new Promise((resolve) => (this.#resolve = resolve));

  /** Requests the shutdown; false when it was already requested. */
  request(reason: string): boolean {
    if (this.#requested) return false;
    this.#requested = true;
    this.#resolve(reason);
    return true;
  }
}

/** What a signal does to the running orchestrator (the table is in `run_signals.ts`). */
function onSignal(
  signal: Deno.Signal,
  action: SignalAction,
  context: { log: Logger; shutdown: ShutdownLatch; debuggerGuard: SignalDebuggerGuard },
): void {
  const { log } = context;
  switch (action) {
    case "shutdown":
      if (!context.shutdown.request(`received ${signal}`)) {
        log.warn(`Received ${signal} again: already shutting down`);
      }
      return;
    case "reopen": {
      const files = reopenLogFiles();
      // Issue 13: the CLI audit log (lib/control/audit.ts) joins this reopen once the control
      // server exposes one.
      log.info(`Received ${signal}: reopened ${files} agent log files`);
      context.debuggerGuard.afterSigusr1().then((url) => {
        if (url === null) return;
        log.warn(
          `Closed the debugger Deno opened on ${signal} (${url}): it let any local user run code`,
        );
      });
      return;
    }
    case "ignore":
      log.warn(ignoredMessage(signal));
  }
}

/** Takes the locks and runs; the locks are released at the end, whatever happens. */
async function runLocked(
  config: OrchestratorConfig,
  path: string,
  shutdown: ShutdownLatch,
): Promise<CliResult> {
  let locks: LockFile[];
  try {
    locks = prepareRunFiles(config);
  } catch (error) {
    return { exitCode: EXIT.error, stderr: errorText(error) };
  }
  try {
    return await runWithStore(config, path, shutdown);
  } finally {
    releaseAll(locks);
  }
}

/** Opens the store and the control socket, boots, and waits for the shutdown request. */
async function runWithStore(
  config: OrchestratorConfig,
  path: string,
  shutdown: ShutdownLatch,
): Promise<CliResult> {
  const log = getLogger(["orchestrator", "run"]);
  let store: EventStore;
  try {
    store = EventStore.open({ path: config.event_store_path, retention: config.event_retention });
  } catch (error) {
    return { exitCode: EXIT.error, stderr: errorText(error) };
  }

  const orchestrator = new Orchestrator(config, { events: store });
  let server: ControlServer | null = null;
  if (config.enable_command_interface) {
    try {
      server = await ControlServer.start({
        controller: orchestrator,
        onShutdownRequested: (reason) => shutdown.request(reason),
      });
    } catch (error) {
      store.close();
      return { exitCode: EXIT.error, stderr: (error as Error).message };
    }
  }

  try {
    const bootError = await orchestrator.boot().then(() => null, (e: Error) => e.message);
    if (bootError !== null) return { exitCode: EXIT.error, stderr: bootError };
    log.info(`Running ${config.agents.length} agents from ${path} (pid ${Deno.pid})`);
    if (server !== null) log.info(`Control socket: ${server.path}`);
    const reason = await shutdown.reason;
    log.info(`Shutting down: ${reason}`);
    if (server !== null) await server.drain(config.command_timeout * 1000);
    await orchestrator.shutdown(reason);
    log.info("Shutdown complete");
  } finally {
    await orchestrator.shutdown("run ended");
    await server?.close();
    store.close();
  }
  return { exitCode: EXIT.ok };
}

/** The message of a start-up failure: an OrchestratorError's own, else with context. */
function errorText(error: unknown): string {
  if (error instanceof OrchestratorError) return error.message;
  return `Cannot run: ${error instanceof Error ? error.message : String(error)}`;
}
