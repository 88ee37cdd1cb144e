/**
 * Signal names and numbers, shared by the config (`stop_signal`), the
 * control server (`signal`) and the CLI (docs/protocol.md, `signal`). The
 * list is every signal `Deno.kill` accepts on Linux, with its Linux number
 * (the same on x86-64 and arm64).
 *
 * @module
 */

/** Every signal `Deno.kill` accepts on Linux, by name, with its number. */
export const SIGNAL_NUMBERS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** A signal name of {@link SIGNAL_NUMBERS}. */
export type SignalName = keyof typeof SIGNAL_NUMBERS;

/** Signal names accepted by `stop_signal` (docs/config.md). */
export const STOP_SIGNALS = [
  "SIGTERM",
  "SIGINT",
  "SIGQUIT",
  "SIGHUP",
  "SIGKILL",
  "SIGUSR1",
  "SIGUSR2",
  "SIGABRT",
  "SIGALRM",
  "SIGPWR",
  "SIGWINCH",
] as const satisfies readonly SignalName[];

/**
 * Signals the `signal` command refuses: they would stop or continue the
 * agent behind the state machine's back (`pause` and `resume` send them).
 */
export const PAUSE_SIGNALS: readonly SignalName[] = ["SIGSTOP", "SIGCONT"];

const BY_NUMBER = new Map<number, SignalName>(
  Object.entries(SIGNAL_NUMBERS).map(([name, n]) => [n, name as SignalName]),
);

/**
 * The signal `text` names: a name with or without `SIG`, in any case
 * (`HUP`, `sighup`), or its number (`1`). `null` when it names none.
 *
 * @example
 * ```ts
 * parseSignal("hup"); // "SIGHUP"
 * parseSignal("15");  // "SIGTERM"
 * parseSignal("0");   // null
 * ```
 */
export function parseSignal(text: string): SignalName | null {
  if (/^[0-9]{1,2}$/.test(text)) return BY_NUMBER.get(Number(text)) ?? null;
  const upper = text.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  return Object.hasOwn(SIGNAL_NUMBERS, name) ? name as SignalName : null;
}
