/**
 * Readiness probes (docs/config.md): tcp connect and exec. The log_pattern probe is
 * a regex test on each output line, done where the lines are read.
 *
 * @module
 */

/** Parses `host:port` (`[::1]:80` for IPv6). `null` when malformed. */
export function parseHostPort(text: string): { hostname: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (m === null) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { hostname: m[1] ?? m[2], port };
}

/** True when a TCP connection to `address` succeeds within `timeoutMs`. */
export async function tcpProbe(address: string, timeoutMs: number): Promise<boolean> {
  const target = parseHostPort(address);
  if (target === null) return false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = Deno.connect({ ...target, transport: "tcp" });
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const conn = await Promise.race([connecting, timeout]);
    if (conn === null) {
      connecting.then((c) => c.close(), () => {});
      return false;
    }
    conn.close();
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True when `argv` exits 0 within `timeoutMs`. The probe runs in its own
 * process group, killed with SIGKILL on timeout.
 */
export async function execProbe(argv: readonly string[], timeoutMs: number): Promise<boolean> {
  if (argv.length === 0) return false;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn();
  } catch {
    return false;
  }
  const timer = setTimeout(() => {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  try {
    const status = await child.status;
    return status.success;
  } finally {
    clearTimeout(timer);
  }
}
