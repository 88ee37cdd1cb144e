/**
 * The no-orphan watchdog (SPEC §8). One small `awk` process per
 * orchestrator, in its own session, reads commands from a pipe on its stdin:
 * `+<pgid>` when an agent's process group is spawned, `-<pgid>` when it is
 * gone, `q` on a clean shutdown. When the pipe reaches EOF without `q` — the
 * orchestrator died, even by SIGKILL, and the kernel closed its end — it
 * sends SIGKILL to every group still listed, so no agent outlives it.
 *
 * @module
 */

/** The awk program. `kill` gets the groups in batches of 64. */
const PROGRAM = `
/^\\+[0-9]+$/ { g[substr($0, 2)] = 1; next }
/^-[0-9]+$/ { delete g[substr($0, 2)]; next }
/^q$/ { quit = 1; exit }
END {
  if (quit) exit
  cmd = ""; n = 0
  for (k in g) { if (k + 0 <= 1) continue; cmd = cmd " -" k; n++; if (n == 64) { system("kill -9" cmd " 2>/dev/null"); cmd = ""; n = 0 } }
  if (n > 0) system("kill -9" cmd " 2>/dev/null")
}
`;

/** The watchdog process of one orchestrator. */
export class Watchdog {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  #closed = false;
  #failed = false;
  readonly #onError: (error: unknown) => void;

  private constructor(child: Deno.ChildProcess, onError: (error: unknown) => void) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#onError = onError;
  }

  /** Starts the watchdog (`awk` on PATH). Throws when it cannot be spawned. */
  static start(onError: (error: unknown) => void = () => {}): Watchdog {
    const child = new Deno.Command("awk", {
      args: [PROGRAM],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn();
    return new Watchdog(child, onError);
  }

  /** The watchdog's pid. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Lists a process group to kill if the orchestrator dies. */
  add(pgid: number): void {
    this.#send(`+${pgid}\n`);
  }

  /** Removes a process group that is gone. */
  remove(pgid: number): void {
    this.#send(`-${pgid}\n`);
  }

  #send(line: string): void {
    if (this.#closed || this.#failed) return;
    this.#writer.write(this.#encoder.encode(line)).catch((error) => {
      if (this.#failed) return;
      this.#failed = true;
      this.#onError(error);
    });
  }

  /** Ends the watchdog without killing anything (clean shutdown). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#send("q\n");
    this.#closed = true;
    try {
      await this.#writer.close();
    } catch {
      // Already broken: the process is gone.
    }
    await this.#child.status;
  }
}
