/**
 * Helpers for the containment tests: a real `orchestrator run` subprocess
 * whose one agent daemonizes (double fork + setsid), and clean-up of what
 * such a test may leave (processes by pid and marker, cgroups by owner pid).
 */

import { requestOnce } from "../../lib/control/client.ts";
import { killCgroup, removeCgroup } from "../../lib/containment/cgroup.ts";
import { ownCgroupDirectory } from "../../lib/containment/cgroup_location.ts";
import { readStat } from "../../lib/containment/proc.ts";
import { CLI, type CliRun, waitUntilServing, writeConfig } from "../cli/_orchestrator.ts";
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

/** A running `orchestrator run` with the daemonizing agent. */
export interface DaemonRun {
  dir: string;
  /**
   * The private cgroup the orchestrator runs in (cgroup mode), where it
   * makes its own and looks for dead orchestrators' cgroups; else `null`.
   */
  cgroup: string | null;
  socket: string;
  child: Deno.ChildProcess;
  done: Promise<CliRun>;
  /** The daemon's pid (once it wrote it). */
  daemon: number;
  /** The agent leader's pid. */
  agent: number;
}

/**
 * A new empty cgroup under ours, for the orchestrators of one test: the
 * cgroups they make, and the leftovers each looks for at start, are then
 * only theirs. (Under our own cgroup, any orchestrator another test file
 * starts meanwhile would kill and remove a SIGKILLed one's leftovers.)
 */
export function privateCgroup(): string {
  const location = ownCgroupDirectory();
  if (!location.ok) throw new Error("No cgroup v2 hierarchy");
  return Deno.makeTempDirSync({ dir: location.dir, prefix: `containment-test-${Deno.pid}-` });
}

/** Kills what is left in a {@link privateCgroup} and removes it. */
export async function removePrivateCgroup(dir: string): Promise<void> {
  killCgroup(dir);
  await removeCgroup(dir);
}

/**
 * Starts `orchestrator run` on `config` with `XDG_RUNTIME_DIR=<dir>/xdg`
 * (its adopted files); in `cgroup` when given (it joins it before it execs
 * Deno, same pid).
 */
export function spawnOrchestrator(
  dir: string,
  config: string,
  flags: string[] = ["-A"],
  cgroup: string | null = null,
): { child: Deno.ChildProcess; done: Promise<CliRun> } {
  Deno.mkdirSync(`${dir}/xdg`, { recursive: true, mode: 0o700 });
  const argv = [Deno.execPath(), "run", ...flags, CLI, "run", config];
  const join = 'echo $$ > "$1/cgroup.procs" || exit 125; shift; exec "$@"';
  const child = new Deno.Command(cgroup === null ? argv[0] : "/bin/sh", {
    args: cgroup === null ? argv.slice(1) : ["-c", join, "sh", cgroup, ...argv],
    env: { NO_COLOR: "1", XDG_RUNTIME_DIR: `${dir}/xdg` },
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
 * In cgroup mode the orchestrator runs in a {@link privateCgroup}.
 */
export async function withDaemonRun(
  containment: string,
  body: (run: DaemonRun) => Promise<void>,
  leader?: string,
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ock-" });
  const config = await writeConfig(dir, daemonConfig(dir, containment, leader));
  const cgroup = containment === "cgroup" ? privateCgroup() : null;
  const { child, done } = spawnOrchestrator(dir, config, ["-A"], cgroup);
  const socket = `${dir}/o.sock`;
  const orchestratorPid = child.pid;
  try {
    await waitUntilServing(socket, done);
    await until("the daemon's pid", () => readPids(`${dir}/daemon.pid`).length > 0, 10_000);
    const [daemon] = readPids(`${dir}/daemon.pid`);
    const [agent] = readPids(`${dir}/agent.pid`);
    await body({ dir, cgroup, socket, child, done, daemon, agent });
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await done;
    killAll([...readPids(`${dir}/daemon.pid`), ...readPids(`${dir}/agent.pid`)], dir);
    if (cgroup === null) await removeCgroupsOf(orchestratorPid);
    else await removePrivateCgroup(cgroup);
    await Deno.remove(dir, { recursive: true });
  }
}

/** Kills and removes the cgroups an orchestrator with `pid` created under our cgroup. */
export async function removeCgroupsOf(pid: number): Promise<void> {
  const location = ownCgroupDirectory();
  if (!location.ok) return;
  for (const entry of Deno.readDirSync(location.dir)) {
    if (!entry.isDirectory || !entry.name.startsWith(`orchestrator-${pid}-`)) continue;
    killCgroup(`${location.dir}/${entry.name}`);
    await removeCgroup(`${location.dir}/${entry.name}`);
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
