/**
 * A stand-in for the service manager's notification socket in tests: a
 * `_notify_receiver.ts` child bound at a path or an abstract `@name`, whose
 * datagrams are read one by one with `next()`.
 */

const RECEIVER = new URL("./_notify_receiver.ts", import.meta.url).pathname;

/** A notification socket in a child process; `next()` is the next datagram, or null after `ms`. */
export interface Receiver {
  next(ms?: number): Promise<string | null>;
  stop(): Promise<void>;
}

/** Starts a receiver at `address`; resolves once it listens. */
export async function startReceiver(address: string): Promise<Receiver> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-net", RECEIVER, address],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const queue: string[] = [];
  let buffered = "";
  const wake: { fn: (() => void) | null } = { fn: null };
  const pump = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      buffered += value;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        queue.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
      wake.fn?.();
    }
  })();
  const next = async (ms = 10_000): Promise<string | null> => {
    const deadline = Date.now() + ms;
    while (queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake.fn = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      wake.fn = null;
    }
    return queue.shift()!;
  };
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await pump;
  };
  if (await next(20_000) !== "ready") {
    await stop();
    throw new Error(`Notification receiver did not start on "${address}"`);
  }
  return {
    async next(ms?: number) {
      const line = await next(ms);
      return line === null ? null : JSON.parse(line);
    },
    stop,
  };
}

/** Runs `fn` with a receiver at a fresh path (or abstract name), stopped and removed after. */
export async function withReceiver(
  fn: (address: string, receiver: Receiver) => Promise<void>,
  kind: "path" | "abstract" = "path",
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sn" });
  const address = kind === "path"
    ? `${dir}/notify`
    : `@orchestrator-test-${crypto.randomUUID().slice(0, 8)}`;
  const receiver = await startReceiver(address);
  try {
    await fn(address, receiver);
  } finally {
    await receiver.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
