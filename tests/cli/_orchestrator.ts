/**
 * End-to-end helpers: the real `orchestrator run` as a subprocess
 * (`deno run -A cli.ts run cfg.jsonc`) and the CLI as subprocesses.
 */

export const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** The output of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `orchestrator <args>` as a subprocess. */
export async function cli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  const env: Record<string, string> = { NO_COLOR: "1", ...options.env };
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: options.cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** A running `orchestrator run` subprocess. */
export interface RunningOrchestrator {
  dir: string;
  socket: string;
  config: string;
  child: Deno.ChildProcess;
  /** Resolves with the exit code and everything it printed. */
  done: Promise<CliRun>;
  stop(): Promise<CliRun>;
}

/** Writes a config into `dir` and returns its path. */
export async function writeConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const path = `${dir}/cfg.jsonc`;
  await Deno.writeTextFile(path, "// test config\n" + JSON.stringify(config, null, 2));
  return path;
}

/** A config with a control socket in `dir` and the given agents. */
export function baseConfig(
  dir: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    enable_command_interface: true,
    command_socket_path: `${dir}/o.sock`,
    cli_audit_log_path: `${dir}/audit.log`,
    log_cli_commands: false,
    shutdown_timeout: 2,
    agents: [
      {
        name: "web",
        tool_call_template: { call_template_type: "cli", command: "sleep", args: ["30"] },
      },
      {
        name: "job",
        kind: "task",
        autostart: false,
        tool_call_template: {
          call_template_type: "cli",
          command: "sh",
          args: ["-c", "echo job-ran"],
        },
      },
    ],
    ...extra,
  };
}

/** Starts `orchestrator run` on a config (does not wait for the socket). */
export function spawnRun(configPath: string): { child: Deno.ChildProcess; done: Promise<CliRun> } {
  return spawnCollected([Deno.execPath(), "run", "-A", CLI, "run", configPath], { NO_COLOR: "1" });
}

/** Starts `argv` with piped output; `done` resolves with its exit code and output. */
export function spawnCollected(
  argv: string[],
  env: Record<string, string>,
): { child: Deno.ChildProcess; done: Promise<CliRun> } {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const done = child.output().then((out) => ({
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  }));
  return { child, done };
}

/** Waits until a socket at `path` accepts a connection. */
export async function waitForSocket(path: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const conn = await Deno.connect({ transport: "unix", path });
      conn.close();
      return;
    } catch {
      if (Date.now() > end) throw new Error(`socket ${path} did not come up`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Waits until `socket` accepts connections; rejects if the orchestrator exits first. */
export async function waitUntilServing(socket: string, done: Promise<CliRun>): Promise<void> {
  await Promise.race([
    waitForSocket(socket),
    done.then((r) => {
      throw new Error(`orchestrator exited early (${r.code}): ${r.stderr}`);
    }),
  ]);
}

/** Starts an orchestrator in a fresh short temp dir and waits for its socket. */
export async function startOrchestrator(
  extra: Record<string, unknown> = {},
  dirGiven?: string,
): Promise<RunningOrchestrator> {
  const dir = dirGiven ?? await Deno.makeTempDir({ dir: "/tmp", prefix: "oe" });
  const config = await writeConfig(dir, baseConfig(dir, extra));
  const socket = `${dir}/o.sock`;
  const { child, done } = spawnRun(config);
  try {
    await waitUntilServing(socket, done);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
    await done;
    if (dirGiven === undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    dir,
    socket,
    config,
    child,
    done,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      const result = await done;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      return result;
    },
  };
}
