/**
 * `orchestrator run` under a service manager (docs/systemd.md): takes the
 * socket-activation and notification variables out of the environment
 * before any agent starts, and tells the service manager how the run goes —
 * `READY=1` once start-up is over, `STATUS=` on changes (throttled),
 * `RELOADING=1` … `READY=1` around a reload, `STOPPING=1`, and `WATCHDOG=1`
 * while the event loop runs. Without `NOTIFY_SOCKET` nothing is sent and
 * nothing is polled.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AgentController } from "../agent/controller.ts";
import { adoptListenFds, controlFd, type ListenFd } from "../systemd/activation.ts";
import { statusState, STOPPING, SystemdNotifier } from "../systemd/notify.ts";
import { type AgentProgress, ProgressReporter, statusText } from "../systemd/progress.ts";

/** How often the agents are looked at for `READY=1` and `STATUS=`, in ms (only with a notify socket). */
export const PROGRESS_POLL_MS = 100;

/** The agents as the progress reporter sees them (config order). */
function progressOf(controller: AgentController): AgentProgress[] {
  const autostart = new Map(controller.config.agents.map((a) => [a.name, a.autostart]));
  return controller.list().map((a) => ({ state: a.state, autostart: autostart.get(a.name)! }));
}

/** The service manager as one `run` sees it. */
export class RunSystemd {
  /** The socket passed to serve the control protocol on, or null. */
  readonly activation: ListenFd | null;
  #notifier: SystemdNotifier;
  #reporter = new ProgressReporter();
  #controller: AgentController | null = null;
  #seen = -1;
  #timer: ReturnType<typeof setInterval> | null = null;
  #log = getLogger(["orchestrator", "systemd"]);

  private constructor(activation: ListenFd | null) {
    this.activation = activation;
    this.#notifier = SystemdNotifier.fromEnv({
      onError: (error) => this.#log.warn(error.message),
    });
  }

  /**
   * Reads (and removes) `LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`,
   * `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`. Throws an
   * `OrchestratorError` naming the variable when one is malformed, or when
   * several sockets are passed and none is named `control`.
   */
  static fromEnv(): RunSystemd {
    const passed = adoptListenFds();
    const activation = passed === null ? null : controlFd(passed);
    return new RunSystemd(activation);
  }

  /** The `NOTIFY_SOCKET` in use, or null. */
  get notifySocket(): string | null {
    return this.#notifier.socket;
  }

  /** Starts the `WATCHDOG=1` pings when the service manager asked for them. */
  startWatchdog(): void {
    this.#notifier.startWatchdog();
    if (this.#notifier.watchdogIntervalMs !== null) {
      this.#log.info(`Watchdog: WATCHDOG=1 every ${this.#notifier.watchdogIntervalMs} ms`);
    }
  }

  /**
   * Follows the agents of `controller` (call after boot): `READY=1` once
   * every autostart agent is up or will not come up by itself, `STATUS=`
   * when the summary changes.
   */
  watch(controller: AgentController): void {
    if (this.#notifier.socket === null || this.#controller !== null) return;
    this.#controller = controller;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), PROGRESS_POLL_MS);
    Deno.unrefTimer(this.#timer);
  }

  /**
   * Wraps a reload: `RELOADING=1` (with `MONOTONIC_USEC`) before, `READY=1`
   * with the status after, whether it was applied or refused.
   */
  async onReload<T>(reload: () => Promise<T>): Promise<T> {
    this.reloading();
    try {
      return await reload();
    } finally {
      this.reloaded();
    }
  }

  /** `RELOADING=1` (with `MONOTONIC_USEC`): a reload begins. */
  reloading(): void {
    this.#notifier.reloading();
  }

  /** `READY=1` with the status: the reload was applied or refused. */
  reloaded(): void {
    const controller = this.#controller;
    this.#notifier.ready(controller === null ? undefined : statusText(progressOf(controller)));
  }

  /** `STOPPING=1`: the graceful shutdown began. The watchdog keeps pinging until {@link close}. */
  stopping(reason: string): void {
    this.#stopWatching();
    this.#notifier.notify(`${STOPPING}\n${statusState(`Stopping: ${reason}`)}`);
  }

  /** Stops polling and the watchdog. Idempotent. */
  close(): void {
    this.#stopWatching();
    this.#notifier.stopWatchdog();
  }

  #stopWatching(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const controller = this.#controller;
    if (controller === null) return;
    const version = controller.version;
    const changed = version !== this.#seen;
    if (!changed && !this.#reporter.pending) return;
    this.#seen = version;
    const message = this.#reporter.update(
      changed ? progressOf(controller) : null,
      performance.now(),
    );
    if (message === null) return;
    if (message.kind === "ready") {
      if (this.#notifier.ready(message.status)) {
        this.#log.info(`Told the service manager: ready (${message.status})`);
      }
    } else {
      this.#notifier.status(message.status);
    }
  }
}
