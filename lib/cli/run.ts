/**
 * `orchestrator run CONFIG`: load and validate the config (refuse it with
 * the same results `validate` prints), take the lock files, create the
 * missing directories, open the event store, start the control socket when
 * enabled, boot the agents and supervise them until SIGINT, SIGTERM, SIGQUIT
 * or the `shutdown` command (see docs/operations.md). SIGHUP and the `reload`
 * command read the file again and apply the difference (`run_reload.ts`).
 *
 * Shutdown sequence: stop accepting commands and finish those in flight
 * (bounded by `command_timeout`), stop every agent in reverse dependency
 * order, record ORCHESTRATOR_SHUTDOWN, remove the socket, close the store,
 * release the locks, exit 0. Other signals: see `run_signals.ts`. Under a
 * service manager (socket activation, sd_notify): see `run_systemd.ts`.
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
import { reopenLineFiles } from "../line_file.ts";
import { ignoredMessage, installSignalHandlers, type SignalAction } from "./run_signals.ts";
import { SignalDebuggerGuard } from "./run_inspector.ts";
import { prepareRunFiles, releaseAll } from "./run_files.ts";
import { ConfigReloader } from "./run_reload.ts";
import type { LockFile } from "../lock.ts";
import { RunSystemd } from "./run_systemd.ts";
import type { SocketInfo } from "../control/transport.ts";
import { mapLargeAllocations } from "../libc.ts";

/** Allocations from this size on are returned to the system when freed (glibc's initial threshold). */
const LARGE_ALLOCATION_BYTES = 128 * 1024;

const HELP = `Usage: orchestrator run CONFIG

Runs the agents of CONFIG (JSONC) in the foreground until SIGINT, SIGTERM,
SIGQUIT or the 'shutdown' command. SIGHUP (or 'orchestrator reload') reads
CONFIG again and applies the difference; SIGUSR1 reopens the log and audit
files; SIGUSR2 is logged and ignored. A config with validation errors is
refused (exit 1) with the results 'orchestrator validate' prints; an
unreadable or unparsable file exits 2. Another orchestrator holding the same
control socket or event store makes it exit 1.

Under systemd it serves the control socket the service manager passes
(LISTEN_FDS) and reports READY=1, STATUS=, STOPPING=1 and WATCHDOG=1 to
NOTIFY_SOCKET (see docs/systemd.md).

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

  let systemd: RunSystemd;
  try {
    systemd = RunSystemd.fromEnv();
  } catch (error) {
    return { exitCode: EXIT.error, stderr: errorText(error) };
  }
  if (systemd.activation !== null && !config.enable_command_interface) {
    return {
      exitCode: EXIT.error,
      stderr: "Cannot run: the service manager passed a control socket but " +
        '"enable_command_interface" is false: set it to true, or stop passing the socket',
    };
  }

  const shutdown = new ShutdownLatch();
  const debuggerGuard = new SignalDebuggerGuard();
  const reloads: ReloaderSlot = { reloader: null };
  const removeSignalHandlers = installSignalHandlers((signal, action) =>
    onSignal(signal, action, { log, shutdown, debuggerGuard, reloads, systemd })
  );
  try {
    return await runLocked(config, path, { shutdown, reloads, systemd });
  } finally {
    removeSignalHandlers();
    systemd.close();
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

/** The reloader of the run, once its orchestrator exists (SIGHUP needs it). */
interface ReloaderSlot {
  reloader: ConfigReloader | null;
}

/** What a run shares with its signal handlers. */
interface RunContext {
  shutdown: ShutdownLatch;
  reloads: ReloaderSlot;
  systemd: RunSystemd;
}

/** What a signal does to the running orchestrator (the table is in `run_signals.ts`). */
function onSignal(
  signal: Deno.Signal,
  action: SignalAction,
  context: RunContext & { log: Logger; debuggerGuard: SignalDebuggerGuard },
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
      const audits = reopenLineFiles();
      log.info(`Received ${signal}: reopened ${files} agent log files and ${audits} audit logs`);
      context.debuggerGuard.afterSigusr1().then((url) => {
        if (url === null) return;
        log.warn(
          `Closed the debugger Deno opened on ${signal} (${url}): it let any local user run code`,
        );
      });
      return;
    }
    case "reload": {
      const reloader = context.reloads.reloader;
      if (reloader === null) {
        log.warn(`Received ${signal} before the agents were set up: ignored`);
        return;
      }
      log.info(`Received ${signal}: reloading the config`);
      // The reloader logs the outcome, errors included.
      reloader.reload({ dryRun: false, trigger: signal }).catch(() => {});
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
  context: RunContext,
): Promise<CliResult> {
  let locks: LockFile[];
  try {
    locks = prepareRunFiles(config);
  } catch (error) {
    return { exitCode: EXIT.error, stderr: errorText(error) };
  }
  try {
    return await runWithStore(config, path, context);
  } finally {
    releaseAll(locks);
  }
}

/** Opens the store and the control socket, boots, and waits for the shutdown request. */
async function runWithStore(
  config: OrchestratorConfig,
  path: string,
  context: RunContext,
): Promise<CliResult> {
  const { shutdown, systemd } = context;
  const log = getLogger(["orchestrator", "run"]);
  let store: EventStore;
  try {
    store = EventStore.open({ path: config.event_store_path, retention: config.event_retention });
  } catch (error) {
    return { exitCode: EXIT.error, stderr: errorText(error) };
  }

  const orchestrator = new Orchestrator(config, { events: store });
  let server: ControlServer | null = null;
  const reloader = new ConfigReloader({
    path,
    orchestrator,
    store,
    server: () => server,
    hooks: { begin: () => systemd.reloading(), end: () => systemd.reloaded() },
  });
  if (config.enable_command_interface) {
    try {
      server = await ControlServer.start({
        controller: orchestrator,
        onShutdownRequested: (reason) => shutdown.request(reason),
        reloader,
        inheritedFd: systemd.activation?.fd,
      });
    } catch (error) {
      store.close();
      return { exitCode: EXIT.error, stderr: (error as Error).message };
    }
  }

  try {
    systemd.startWatchdog();
    const bootError = await orchestrator.boot().then(() => null, (e: Error) => e.message);
    if (bootError !== null) return { exitCode: EXIT.error, stderr: bootError };
    context.reloads.reloader = reloader;
    log.info(`Running ${config.agents.length} agents from ${path} (pid ${Deno.pid})`);
    if (server !== null) logSocket(server.socket, config.command_socket_path);
    systemd.watch(orchestrator);
    const reason = await shutdown.reason;
    log.info(`Shutting down: ${reason}`);
    systemd.stopping(reason);
    // The command_timeout in force: a reload may have changed it.
    if (server !== null) await server.drain(orchestrator.config.command_timeout * 1000);
    await orchestrator.shutdown(reason);
    log.info("Shutdown complete");
  } finally {
    await orchestrator.shutdown("run ended");
    await server?.close();
    store.close();
  }
  return { exitCode: EXIT.ok };
}

/** The start-up log line of the control socket: where it is, who made it, whether callers are verified. */
function logSocket(socket: SocketInfo, configured: string): void {
  const log = getLogger(["orchestrator", "run"]);
  const origin = socket.source === "systemd" ? "passed by the service manager" : "bound";
  const callers = socket.verified_peers ? "callers verified" : "callers as they report";
  log.info(`Control socket: ${socket.path} (${origin}; ${callers})`);
  if (socket.path !== configured) {
    log.warn(
      `The control socket passed by the service manager is "${socket.path}", not ` +
        `command_socket_path "${configured}": clients that find it through the config look for ` +
        `"${configured}"`,
    );
  }
}

/** The message of a start-up failure: an OrchestratorError's own, else with context. */
function errorText(error: unknown): string {
  if (error instanceof OrchestratorError) return error.message;
  return `Cannot run: ${error instanceof Error ? error.message : String(error)}`;
}
