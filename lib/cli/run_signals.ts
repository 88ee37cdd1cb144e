/**
 * What `orchestrator run` does on each signal (docs/operations.md,
 * "Faults"): no signal that can be caught ends it abruptly.
 *
 * - SIGTERM, SIGINT, SIGQUIT: graceful shutdown.
 * - SIGUSR1: reopen the log files (for logrotate).
 * - SIGHUP: reload the config (as the `reload` command; docs/operations.md,
 *   "Changing the config"). `run` survives its terminal closing.
 * - SIGUSR2 and the other signals whose default action would kill the
 *   process (SIGALRM, SIGVTALRM, SIGIO, SIGPWR, SIGXCPU, SIGXFSZ,
 *   SIGSTKFLT): logged and ignored.
 *
 * Left alone on purpose: SIGKILL and SIGSTOP (cannot be caught; the
 * watchdog covers the agents), the synchronous fault signals (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS: a handler would hide a
 * crash or loop on it), SIGPROF (V8's profiler uses it), SIGPIPE (the
 * runtime already ignores it).
 *
 * @module
 */

/** What a signal asks of `run`. */
export type SignalAction = "shutdown" | "reopen" | "reload" | "ignore";

/** Every signal `run` handles, and what it does. */
export const SIGNAL_ACTIONS: Readonly<Partial<Record<Deno.Signal, SignalAction>>> = {
  SIGTERM: "shutdown",
  SIGINT: "shutdown",
  SIGQUIT: "shutdown",
  SIGUSR1: "reopen",
  SIGHUP: "reload",
  SIGUSR2: "ignore",
  SIGALRM: "ignore",
  SIGVTALRM: "ignore",
  SIGIO: "ignore",
  SIGPWR: "ignore",
  SIGXCPU: "ignore",
  SIGXFSZ: "ignore",
  SIGSTKFLT: "ignore",
};

/** The log line of an ignored signal. */
export function ignoredMessage(signal: Deno.Signal): string {
  return `Received ${signal}: ignored`;
}

/**
 * Installs a listener for every signal of {@linkcode SIGNAL_ACTIONS} that
 * calls `onSignal` with the signal and its action. Returns the function that
 * removes them. A signal the platform refuses to bind is skipped.
 */
export function installSignalHandlers(
  onSignal: (signal: Deno.Signal, action: SignalAction) => void,
): () => void {
  const installed: [Deno.Signal, () => void][] = [];
  for (const [name, action] of Object.entries(SIGNAL_ACTIONS)) {
    const signal = name as Deno.Signal;
    const listener = () => onSignal(signal, action);
    try {
      Deno.addSignalListener(signal, listener);
      installed.push([signal, listener]);
    } catch {
      // Not a signal of this platform.
    }
  }
  return () => {
    for (const [signal, listener] of installed) Deno.removeSignalListener(signal, listener);
  };
}
