/**
 * `orchestrator shutdown [--wait]`: graceful shutdown of the orchestrator.
 * The answer comes as soon as the shutdown starts; with `--wait`, the
 * command then polls the socket until it stops accepting connections (the
 * orchestrator removes it as the last step of its shutdown) and exits 0,
 * or 3 at `--timeout`.
 *
 * @module
 */

import { ClientError } from "../control/client.ts";
import {
  type ClientCommandSpec,
  helpText,
  type Invocation,
  parseInvocation,
  renderResponse,
  send,
  unavailable,
} from "./client_command.ts";
import { type CliResult, EXIT } from "./result.ts";

/** Default `--timeout` of `--wait`, in seconds. */
export const DEFAULT_WAIT_SECONDS = 60;

/** Milliseconds between two connection attempts of `--wait`. */
const POLL_MS = 50;

/** The `shutdown` command. */
export const spec: ClientCommandSpec = {
  name: "shutdown",
  agent: "none",
  flags: [{
    name: "wait",
    type: "boolean",
    help: "Return once the orchestrator has exited (its socket accepts no connection); " +
      `exit 3 at --timeout (default ${DEFAULT_WAIT_SECONDS} s, the answer included)`,
  }],
  format: (data: { message: string }) => data.message,
  notes: "Without --wait the answer comes before the shutdown finishes. --wait polls the " +
    "socket and its lock file until the orchestrator has exited; under systemd socket activation the socket outlives the orchestrator: use " +
    "systemctl stop there.",
};

/** True while something accepts connections on the socket at `path`. */
async function accepting(path: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * True once the orchestrator behind `path` has exited: its `<path>.lock`
 * (held with `flock` for the orchestrator's whole life, released by the
 * kernel when it exits) is gone or can be locked. The lock is let go at once.
 */
function lockReleased(path: string): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(`${path}.lock`, { read: true });
  } catch {
    return true; // removed at a clean exit (or never made)
  }
  try {
    if (!file.tryLockSync(true)) return false;
    file.unlockSync();
    return true;
  } catch {
    return false;
  } finally {
    file.close();
  }
}

/**
 * Polls until the socket stops accepting connections and the orchestrator's
 * lock is released (it has exited), or the deadline.
 */
async function waitGone(path: string, deadline: number): Promise<boolean> {
  for (;;) {
    if (!await accepting(path) && lockReleased(path)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
}

async function shutdown(inv: Invocation, wait: boolean): Promise<CliResult> {
  const deadline = performance.now() + inv.timeoutMs;
  const answered = renderResponse(spec, await send(inv, { command: "shutdown" }), inv);
  if (!wait || answered.exitCode !== EXIT.ok) return answered;
  if (await waitGone(inv.socket, deadline)) return answered;
  return {
    exitCode: EXIT.unavailable,
    stdout: answered.stdout,
    stderr: `Timed out after ${inv.timeoutMs / 1000} s waiting for the orchestrator to exit: ` +
      `${JSON.stringify(inv.socket)} still accepts connections`,
  };
}

/** Runs `orchestrator shutdown`. */
export async function main(argv: string[]): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv, DEFAULT_WAIT_SECONDS);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  try {
    return await shutdown(inv, inv.args.flags.wait === true);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
