/**
 * `orchestrator run CONFIG`: load and validate the config (refuse it with
 * the same results `validate` prints), open the event store, start the
 * control socket when enabled, boot the agents and supervise them until
 * SIGINT, SIGTERM or the `shutdown` command (SPEC §8).
 *
 * Shutdown sequence: stop accepting commands and finish those in flight
 * (bounded by `command_timeout`), stop every agent in reverse dependency
 * order, record ORCHESTRATOR_SHUTDOWN, remove the socket, close the store,
 * exit 0.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { type CliResult, EXIT } from "./result.ts";
import { oneFile, parseCliArgs } from "./args.ts";
import { colorEnabled } from "./format.ts";
import { loadConfigFile } from "../config/load.ts";
import { formatResults } from "../config/format.ts";
import { EventStore } from "../events/store.ts";
import { ControlServer } from "../control/server.ts";
import { Orchestrator } from "../orchestrator.ts";
import { configureLogging } from "../log.ts";

const HELP = `Usage: orchestrator run CONFIG

Runs the agents of CONFIG (JSONC) in the foreground until SIGINT, SIGTERM or
the 'shutdown' command. A config with validation errors is refused (exit 1)
with the results 'orchestrator validate' prints; an unreadable or unparsable
file exits 2.

Options:
  -h, --help   Show this help`;

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** Runs `orchestrator run`. Resolves when the orchestrator has shut down. */
export async function main(argv: string[]): Promise<CliResult> {
  const parsed = parseCliArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: HELP };
  const path = oneFile(parsed.positionals, "config file");
  const color = colorEnabled(Deno.stderr);

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
  const log = getLogger(["orchestrator", "run"]);
  if (loaded.results.length > 0) {
    const text = formatResults(loaded.results, path, { color });
    if (text !== "") Deno.stderr.writeSync(new TextEncoder().encode(text + "\n"));
  }

  let store: EventStore;
  try {
    store = EventStore.open({ path: config.event_store_path, retention: config.event_retention });
  } catch (error) {
    const where = config.event_store_path ?? ":memory:";
    return {
      exitCode: EXIT.error,
      stderr: `Cannot open the event store "${where}": ${(error as Error).message}`,
    };
  }

  const orchestrator = new Orchestrator(config, { events: store });
  let requested: (reason: string) => void = () => {};
  const shutdownRequested = new Promise<string>((resolve) => (requested = resolve));
  let server: ControlServer | null = null;
  if (config.enable_command_interface) {
    try {
      server = await ControlServer.start({
        controller: orchestrator,
        onShutdownRequested: (reason) => requested(reason),
      });
    } catch (error) {
      store.close();
      return { exitCode: EXIT.error, stderr: (error as Error).message };
    }
  }

  const onSignal: Record<string, () => void> = {};
  for (const signal of SIGNALS) {
    onSignal[signal] = () => {
      if (orchestrator.shuttingDown) {
        log.warn("Received {signal} again: already shutting down", { signal });
        return;
      }
      requested(`received ${signal}`);
    };
    Deno.addSignalListener(signal, onSignal[signal]);
  }

  try {
    const bootError = await orchestrator.boot().then(() => null, (e: Error) => e.message);
    if (bootError !== null) return { exitCode: EXIT.error, stderr: bootError };
    log.info(`Running ${config.agents.length} agents from ${path} (pid ${Deno.pid})`);
    if (server !== null) log.info(`Control socket: ${server.path}`);
    const reason = await shutdownRequested;
    log.info(`Shutting down: ${reason}`);
    if (server !== null) await server.drain(config.command_timeout * 1000);
    await orchestrator.shutdown(reason);
    log.info("Shutdown complete");
  } finally {
    await orchestrator.shutdown("run ended");
    await server?.close();
    store.close();
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, onSignal[signal]);
  }
  return { exitCode: EXIT.ok };
}
