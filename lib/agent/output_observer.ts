/**
 * Live output lines of the agents, for readers outside the core (the
 * control socket's `subscribe`, docs/protocol.md): the observer a reader
 * registers with `AgentController.observeOutput`.
 *
 * @module
 */

/** An agent's output stream. */
export type OutputStream = "stdout" | "stderr";

/**
 * Told of each line an agent prints, as it is read. Lines are split as for
 * `readiness.log_pattern` (docs/operations.md, "Output capture and log
 * files"): at `\n`, a `\r` before it removed, bytes that are not UTF-8 as
 * U+FFFD, a line longer than `output_line_max_bytes` cut to its first bytes,
 * an unfinished last line given when the stream ends. The line that is
 * under way when an observer is added is not given (its start is gone).
 */
export interface OutputObserver {
  /** The agents whose lines it wants; `null` = every agent. */
  readonly agents: ReadonlySet<string> | null;
  /** One line; called synchronously by the reader of the stream (keep it short). */
  onLine(agent: string, stream: OutputStream, line: string): void;
}
