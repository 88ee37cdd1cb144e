/**
 * Helpers for the event store tests: temp dirs and child processes running
 * `store_child.ts` (not a test file).
 *
 * @module
 */

const CHILD = new URL("./store_child.ts", import.meta.url).pathname;

/** A temp dir under /tmp, removed by `[Symbol.asyncDispose]`. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ dir: "/tmp", prefix: "evt" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A running `store_child.ts`, with line-wise stdout. */
export class Child implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  #lines: AsyncIterator<string>;
  #stderr: Promise<string>;
  #buffered = "";
  #queue: string[] = [];

  constructor(process: Deno.ChildProcess) {
    this.process = process;
    this.#lines = this.#splitLines(process.stdout.pipeThrough(new TextDecoderStream()));
    this.#stderr = new Response(process.stderr).text();
  }

  /**
   * Spawns `store_child.ts <args>`. `exec` replaces the Deno binary (e.g. a
   * copy reachable by another user), `prefix` is prepended (e.g. `setpriv …`).
   */
  static spawn(
    args: string[],
    options: { prefix?: string[]; exec?: string; env?: Record<string, string> } = {},
  ): Child {
    const argv = [
      ...(options.prefix ?? []),
      options.exec ?? Deno.execPath(),
      "run",
      "-A",
      "--no-config",
      CHILD,
      ...args,
    ];
    const process = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: options.env,
    }).spawn();
    return new Child(process);
  }

  /** The next stdout line, or `null` at EOF. Rejects after `timeoutMs`. */
  async nextLine(timeoutMs = 15_000): Promise<string | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`No line from child within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const result = await Promise.race([this.#lines.next(), timeout]);
      return result.done ? null : result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the child to exit; returns its exit status and stderr. */
  async finish(): Promise<{ status: Deno.CommandStatus; stderr: string }> {
    const status = await this.process.status;
    while ((await this.#lines.next()).done !== true) {
      // Drain what is left of stdout.
    }
    return { status, stderr: await this.#stderr };
  }

  /** SIGKILLs the child (if alive) and waits for it. */
  async kill(): Promise<{ status: Deno.CommandStatus; stderr: string }> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    return await this.finish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  async *#splitLines(stream: ReadableStream<string>): AsyncGenerator<string> {
    for await (const chunk of stream) {
      this.#buffered += chunk;
      const parts = this.#buffered.split("\n");
      this.#buffered = parts.pop() ?? "";
      this.#queue.push(...parts);
      while (this.#queue.length > 0) yield this.#queue.shift()!;
    }
    if (this.#buffered !== "") yield this.#buffered;
  }
}
