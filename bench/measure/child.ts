/**
 * Child processes of the bench: bounded command runs, and daemons started in
 * their own process group so they can be ended by pid in a `finally`.
 *
 * @module
 */

/** Outcome of a bounded command run. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs `argv` to completion, SIGKILLing it (and its process group) after
 * `timeoutMs`. Never throws for a non-zero exit; throws if `argv[0]` is missing.
 */
export async function runCommand(
  argv: string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<RunResult> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs);
  try {
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      timedOut,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Like `runCommand`, but throws with the tail of stderr unless the exit code is 0. */
export async function runChecked(
  argv: string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<RunResult> {
  const r = await runCommand(argv, options);
  if (r.code !== 0 || r.timedOut) {
    const why = r.timedOut ? `timed out after ${options.timeoutMs} ms` : `exit code ${r.code}`;
    throw new Error(
      `Command "${argv.slice(0, 3).join(" ")}" failed: ${why}: ${r.stderr.slice(-400)}`,
    );
  }
  return r;
}

/**
 * Starts a long-running daemon in its own process group (so `-pid` ends its
 * tree), stdout and stderr appended to `logFile` (through `sh -c exec`, so
 * the pid is the daemon's own).
 */
export function startDaemon(
  argv: string[],
  options: { logFile: string; env?: Record<string, string>; cwd?: string },
): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: ["-c", 'log=$1; shift; exec "$@" >>"$log" 2>&1', "sh", options.logFile, ...argv],
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
}

/** True if `name` is an executable on PATH. */
export function onPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    const path = `${dir}/${name}`;
    try {
      const st = Deno.statSync(path);
      if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** Promise that resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `probe` every `intervalMs` until it returns a non-null value; throws
 * `what` at `timeoutMs`. Returns the value and how many polls it took.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | null>,
  options: { timeoutMs: number; intervalMs: number; what: string },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${options.timeoutMs} ms: ${options.what}`);
    }
    await sleep(options.intervalMs);
  }
}

/** Waits until the UNIX socket at `path` accepts a connection (polled every 25 ms); throws at `timeoutMs`. */
export async function waitForSocket(path: string, timeoutMs: number): Promise<void> {
  await pollUntil(async () => {
    try {
      (await Deno.connect({ transport: "unix", path })).close();
      return true;
    } catch {
      return null;
    }
  }, { timeoutMs, intervalMs: 25, what: `socket "${path}" accepting connections` });
}

/** Resolves to `p`'s value, or to `"timeout"` after `ms` (the timer is cleared either way). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Removes ANSI colour codes (pure). */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/**
 * Describes a daemon that ended early (pure): how it ended, the first line
 * of `log` that mentions an error, and the last two lines.
 */
export function describeExit(status: Deno.CommandStatus, log: string): string {
  const lines = stripAnsi(log).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const picked: string[] = [];
  const error = lines.find((l) => /error/i.test(l));
  if (error !== undefined) picked.push(error);
  for (const l of lines.slice(-2)) if (!picked.includes(l)) picked.push(l);
  const how = status.signal !== null ? `signal ${status.signal}` : `code ${status.code}`;
  const detail = picked.join(" | ").slice(0, 600);
  return `exited with ${how}${detail === "" ? "" : `: ${detail}`}`;
}

/** `describeExit` with the daemon's log file. */
export function exitFailure(status: Deno.CommandStatus, logFile: string): string {
  let log = "";
  try {
    log = Deno.readTextFileSync(logFile);
  } catch {
    // no log
  }
  return describeExit(status, log);
}
