/**
 * The process seam: spawn an agent in its own process group, signal the
 * group (its pipes are read by pump.ts). Thin I/O, no decisions.
 *
 * @module
 */

import type { ExitInfo } from "./restart.ts";
import type { ResolvedCommand } from "./template.ts";

/** A spawned agent process. Its pid is also its process group id. */
export interface AgentProcess {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  readonly stdout: ReadableStream<Uint8Array> | null;
  readonly stderr: ReadableStream<Uint8Array> | null;
}

/** Where `setsid(1)` may live. */
const SETSID_PATHS = ["/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid", "/sbin/setsid"];
let setsidPath: string | null | undefined;

/** The `setsid(1)` binary, or `null` when there is none (looked up once). */
function setsid(): string | null {
  if (setsidPath === undefined) {
    setsidPath = SETSID_PATHS.find((p) => isExecutable(p)) ?? null;
  }
  return setsidPath;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

const found = new Map<string, string>();

/**
 * Finds `command` the way `execvp` does: as a path when it contains a `/`,
 * else in each directory of `path`. Found results are cached.
 */
export function findProgram(command: string, path: string): string | null {
  if (command.includes("/")) return isExecutable(command) ? command : null;
  const key = `${path}\0${command}`;
  const hit = found.get(key);
  if (hit !== undefined) return hit;
  for (const dir of path.split(":")) {
    const candidate = `${dir === "" ? "." : dir}/${command}`;
    if (isExecutable(candidate)) {
      found.set(key, candidate);
      return candidate;
    }
  }
  return null;
}

/** Options of {@link spawnProcess}. */
export interface SpawnOptions {
  /** Pipe stdout and stderr (else /dev/null). */
  pipe: boolean;
  /** A cgroup v2 directory the process joins before it execs the program. */
  cgroup?: string | null;
  /** Variables added to `cmd.env` (containment's run id). */
  env?: Record<string, string>;
}

/**
 * Joins the cgroup `$1` (writes its own pid to `cgroup.procs`), then execs
 * the program in place: the agent is in its cgroup before it can fork.
 */
const JOIN_CGROUP = 'echo $$ > "$1/cgroup.procs" || exit 125; shift; exec "$@"';

/**
 * Spawns `cmd` as the leader of a new session and process group, stdin from
 * /dev/null. Throws `Deno.errors.NotFound` when the program is not found,
 * else what `Deno.Command` throws.
 *
 * When `setsid(1)` is installed the child is spawned as `setsid -- cmd …`
 * (setsid calls setsid(2) and execs the program in place, same pid): Deno
 * then spawns with posix_spawn, about twice as fast as `detached: true`,
 * which forks the whole orchestrator. The program is looked up on PATH first
 * so a missing one still fails the spawn instead of an exit code 1. With
 * `cgroup`, `/bin/sh` joins the cgroup and execs the program (same pid
 * again; exit code 125 if it cannot join).
 */
export function spawnProcess(cmd: ResolvedCommand, options: SpawnOptions): AgentProcess {
  const wrapper = setsid();
  const cgroup = options.cgroup ?? null;
  if (wrapper !== null || cgroup !== null) {
    const path = cmd.env.PATH ?? Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
    if (findProgram(cmd.command, path) === null) {
      throw new Deno.errors.NotFound(`No such program "${cmd.command}" on PATH`);
    }
  }
  const argv = cgroup === null
    ? [cmd.command, ...cmd.args]
    : ["/bin/sh", "-c", JOIN_CGROUP, "sh", cgroup, cmd.command, ...cmd.args];
  const child = new Deno.Command(wrapper ?? argv[0], {
    args: wrapper === null ? argv.slice(1) : ["--", ...argv],
    env: options.env === undefined ? cmd.env : { ...cmd.env, ...options.env },
    cwd: cmd.cwd ?? undefined,
    stdin: "null",
    stdout: options.pipe ? "piped" : "null",
    stderr: options.pipe ? "piped" : "null",
    detached: wrapper === null,
  }).spawn();
  const exited = child.status.then((s): ExitInfo => ({
    code: s.signal === null ? s.code : null,
    signal: s.signal,
  }));
  return {
    pid: child.pid,
    exited,
    stdout: options.pipe ? child.stdout : null,
    stderr: options.pipe ? child.stderr : null,
  };
}

/**
 * Sends `signal` to the whole process group `pgid`. Returns false when the
 * group no longer exists.
 *
 * With `leader: true` (only for a process known to be alive and not yet
 * reaped), a missing group falls back to signalling the pid itself: right
 * after a spawn through `setsid(1)` the new process has not created its group
 * yet, and it has no children then.
 */
export function signalGroup(
  pgid: number,
  signal: Deno.Signal,
  options: { leader?: boolean } = {},
): boolean {
  if (kill(-pgid, signal)) return true;
  return options.leader === true ? kill(pgid, signal) : false;
}

function kill(target: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(target, signal);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || isEsrch(error)) return false;
    throw error;
  }
}

function isEsrch(error: unknown): boolean {
  return error instanceof Error && /ESRCH|No such process/i.test(error.message);
}
