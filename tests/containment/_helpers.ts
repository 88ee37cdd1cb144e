/**
 * Helpers for the containment tests: a real `orchestrator run` subprocess
 * whose one agent daemonizes (double fork + setsid), and clean-up of what
 * such a test may leave (processes by pid and marker, cgroups by owner pid).
 */

import { requestOnce } from "../../lib/control/client.ts";
import { killCgroup, removeCgroup } from "../../lib/containment/cgroup.ts";
import { ownCgroupDirectory } from "../../lib/containment/cgroup_location.ts";
import { readStat } from "../../lib/containment/proc.ts";
import {
  CLI,
  type CliRun,
  spawnCollected,
  waitUntilServing,
  writeConfig,
} from "../cli/_orchestrator.ts";
import { killAll, readPids, until } from "../orchestrator/_helpers.ts";

/** True when this process can create cgroups under its own cgroup (cgroup mode works here). */
export function cgroupWritable(): boolean {
  const location = ownCgroupDirectory();
  if (!location.ok || location.readOnly) return false;
  const probe = `${location.dir}/containment-test-probe-${Deno.pid}`;
  try {
    Deno.mkdirSync(probe);
    Deno.removeSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * An agent that daemonizes: its shell starts `setsid sh -c …` from a
 * subshell that exits at once, so the daemon (`sleep 300`, pid written to
 * `daemon.pid`) is in its own session and re-parented; the agent's leader
 * (pid in `agent.pid`) then sleeps too.
 */
export function daemonAgent(dir: string, leader = "exec sleep 300") {
  return {
    name: "d",
    tool_call_template: {
      command: "sh",
      args: [
        "-c",
        `echo $$ > ${dir}/agent.pid; ` +
        `(setsid sh -c 'echo $$ > ${dir}/daemon.pid; exec sleep 300' &); ${leader}`,
      ],
    },
    restart: "no" as const,
    stop_timeout: 2,
  };
}

/**
 * A cgroup for one test's orchestrators, below ours: an orchestrator cleans
 * up the leftovers of dead owners in its own cgroup, so orchestrators that
 * other tests start at the same time must not share it. `null` where
 * cgroups are not writable.
 */
export function testCgroup(name: string): string | null {
  const location = ownCgroupDirectory();
  if (!location.ok || !cgroupWritable()) return null;
  const dir = `${location.dir}/ock-test-${name}`;
  Deno.mkdirSync(dir);
  return dir;
}

/** A running `orchestrator run` with the daemonizing agent. */
export interface DaemonRun {
  dir: string;
  /** The cgroup the test's orchestrators run in (cgroup mode), else `null`. */
  home: string | null;
  socket: string;
  child: Deno.ChildProcess;
  done: Promise<CliRun>;
  /** The daemon's pid (once it wrote it). */
  daemon: number;
  /** The agent leader's pid. */
  agent: number;
}

/**
 * Starts `orchestrator run` on `config` with `XDG_RUNTIME_DIR=<dir>/xdg` (its
 * adopted files), in the cgroup `home` when given (it joins it before exec).
 */
export function spawnOrchestrator(
  dir: string,
  config: string,
  flags: string[] = ["-A"],
  home: string | null = null,
): { child: Deno.ChildProcess; done: Promise<CliRun> } {
  Deno.mkdirSync(`${dir}/xdg`, { recursive: true, mode: 0o700 });
  const argv = [Deno.execPath(), "run", ...flags, CLI, "run", config];
  const joined = home === null
    ? argv
    : ["/bin/sh", "-c", 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', "sh", home, ...argv];
  return spawnCollected(joined, { NO_COLOR: "1", XDG_RUNTIME_DIR: `${dir}/xdg` });
}

/**
 * Config of a daemon run: control socket in `dir`, the daemonizing agent
 * (whose leader runs `leader` after starting the daemon), `containment`.
 */
export function daemonConfig(
  dir: string,
  containment: string,
  leader?: string,
): Record<string, unknown> {
  return {
    enable_command_interface: true,
    command_socket_path: `${dir}/o.sock`,
    log_cli_commands: false,
    shutdown_timeout: 2,
    containment,
    agents: [daemonAgent(dir, leader)],
  };
}

/**
 * Runs `orchestrator run` with the daemonizing agent in `containment` mode,
 * waits for the daemon, runs `body`, then ends everything it started: the
 * orchestrator (SIGKILL if still running; its watchdog then kills the
 * agents), the daemon (by pid and marker) and the orchestrator's cgroups.
 */
export async function withDaemonRun(
  containment: string,
  body: (run: DaemonRun) => Promise<void>,
  leader?: string,
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ock-" });
  const home = containment === "cgroup" ? testCgroup(dir.slice(dir.lastIndexOf("/") + 1)) : null;
  const config = await writeConfig(dir, daemonConfig(dir, containment, leader));
  const { child, done } = spawnOrchestrator(dir, config, undefined, home);
  const socket = `${dir}/o.sock`;
  const orchestratorPid = child.pid;
  try {
    await waitUntilServing(socket, done);
    await until("the daemon's pid", () => readPids(`${dir}/daemon.pid`).length > 0, 10_000);
    const [daemon] = readPids(`${dir}/daemon.pid`);
    const [agent] = readPids(`${dir}/agent.pid`);
    await body({ dir, home, socket, child, done, daemon, agent });
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await done;
    killAll([...readPids(`${dir}/daemon.pid`), ...readPids(`${dir}/agent.pid`)], dir);
    await removeCgroupsOf(orchestratorPid, home);
    if (home !== null) await removeCgroup(home);
    await Deno.remove(dir, { recursive: true });
  }
}

/** The cgroups an orchestrator with `pid` created in `home` (default: our cgroup). */
export function cgroupsOf(pid: number, home: string | null = null): string[] {
  const location = ownCgroupDirectory();
  const parent = home ?? (location.ok ? location.dir : null);
  if (parent === null) return [];
  return [...Deno.readDirSync(parent)]
    .filter((e) => e.isDirectory && e.name.startsWith(`orchestrator-${pid}-`))
    .map((e) => `${parent}/${e.name}`);
}

/** Kills and removes the cgroups an orchestrator with `pid` created in `home` (default: ours). */
export async function removeCgroupsOf(pid: number, home: string | null = null): Promise<void> {
  for (const dir of cgroupsOf(pid, home)) {
    killCgroup(dir);
    await removeCgroup(dir);
  }
}

/** The `stats` data of the orchestrator at `socket`. */
export async function stats(socket: string): Promise<Record<string, unknown>> {
  const res = await requestOnce(socket, { command: "stats" });
  if (res.status !== "success") throw new Error(`stats failed: ${JSON.stringify(res)}`);
  return res.data as Record<string, unknown>;
}

/** Sends a command and throws unless it succeeds. */
export async function command(socket: string, name: string, args: string[] = []): Promise<void> {
  const res = await requestOnce(socket, { command: name, args });
  if (res.status !== "success") throw new Error(`${name} failed: ${JSON.stringify(res)}`);
}

/** True when `pid` is gone and reaped (no /proc entry, or one that is not `parent`'s zombie). */
export function reapedBy(pid: number, parent: number): boolean {
  const stat = readStat(pid);
  return stat === null || stat.ppid !== parent;
}
