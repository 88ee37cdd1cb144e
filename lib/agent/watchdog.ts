/**
 * The no-orphan watchdog (docs/operations.md). One small `awk` process per
 * orchestrator, in its own session, holds the read end of a pipe whose only
 * write end belongs to the orchestrator. The orchestrator lists its agents'
 * process groups in a registry file, synchronously as it spawns them:
 * `+<pgid>` when a group is spawned, `-<pgid>` when it is gone. On a clean
 * shutdown it writes `q` to the pipe and the watchdog exits. When the pipe
 * reaches EOF without `q` — the orchestrator died, even by SIGKILL, and the
 * kernel closed its end — the watchdog reads the registry and sends SIGKILL
 * to every group still listed, then removes the file.
 *
 * Writing the registry synchronously (not through the pipe, whose writes are
 * asynchronous) means a group is listed before the orchestrator does
 * anything else: there is no window in which a spawned agent is unlisted.
 *
 * If the watchdog process itself dies (killed by someone), the orchestrator
 * sees its exit at once, logs an error and starts a new one on the same
 * registry, rewritten with the live groups (see docs/operations.md,
 * "Faults"). A watchdog that dies within {@linkcode RESPAWN_MS} of its start
 * is replaced after that delay, so a watchdog that cannot live is not
 * respawned in a tight loop.
 * Containment (docs/operations.md, "Containment") adds two kinds of lines:
 * `c<dir>`, the orchestrator's cgroup, whose `cgroup.kill` gets `1` (then the
 * cgroups are removed); `a<pid> <start>` / `r<pid>`, an adopted process and
 * its start time, killed (with its group) only if it still has that start
 * time, so a reused pid is never signalled.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";

/** The awk program. `kill` gets the groups in batches of 64. */
const PROGRAM = `
function started(p,   s, f) {
  s = ""
  if ((getline s < ("/proc/" p "/stat")) > 0) close("/proc/" p "/stat")
  if (!sub(/^.*\\) /, "", s)) return "-"
  split(s, f, " ")
  return f[20]
}
$0 == "q" { quit = 1; exit }
END {
  if (quit) exit
  while ((getline line < registry) > 0) {
    if (line ~ /^\\+[0-9]+$/) g[substr(line, 2)] = 1
    else if (line ~ /^-[0-9]+$/) delete g[substr(line, 2)]
    else if (line ~ /^a[0-9]+ [0-9]+$/) { split(substr(line, 2), f, " "); ad[f[1]] = f[2] }
    else if (line ~ /^r[0-9]+$/) delete ad[substr(line, 2)]
    else if (line ~ /^c\\//) cg[substr(line, 2)] = 1
  }
  close(registry)
  for (d in cg) system("echo 1 > '" d "/cgroup.kill' 2>/dev/null")
  for (p in ad) if (p + 0 > 1 && started(p) == ad[p]) system("kill -9 -" p " " p " 2>/dev/null")
  cmd = ""; n = 0
  for (k in g) {
    if (k + 0 <= 1) continue
    cmd = cmd " -" k; n++
    if (n == 64) { system("kill -9" cmd " 2>/dev/null"); cmd = ""; n = 0 }
  }
  if (n > 0) system("kill -9" cmd " 2>/dev/null")
  for (d in cg) system("for i in 1 2 3 4 5 6 7 8 9 10; do rmdir '" d "'/*/ 2>/dev/null; rmdir '" d "' 2>/dev/null && break; sleep 0.2; done")
  system("rm -f -- " registry)
}
`;

/** Registry size that triggers a rewrite with only the live groups. */
const COMPACT_BYTES = 64 * 1024;

/** Least time between two starts of the watchdog process, in ms. */
export const RESPAWN_MS = 1000;

const encoder = new TextEncoder();
const log = getLogger(["orchestrator", "watchdog"]);

/** Spawns the awk process watching `registry` (in its own session). */
function spawnWatchdog(registry: string): Deno.ChildProcess {
  return new Deno.Command("awk", {
    args: ["-v", `registry=${registry}`, PROGRAM],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
}

/** How a process ended, for a log line. */
function describeExit(status: Deno.CommandStatus): string {
  return status.signal === null ? `exit code ${status.code}` : `signal ${status.signal}`;
}

/** The watchdog process of one orchestrator, replaced whenever it dies. */
export class Watchdog {
  #child: Deno.ChildProcess;
  #startedAt: number;
  #respawnTimer: ReturnType<typeof setTimeout> | null = null;
  #restarts = 0;
  readonly #path: string;
  #file: Deno.FsFile | null;
  #size = 0;
  readonly #live = new Set<number>();
  /** Containment lines kept across compactions: `c<dir>`, `a<pid> <start>` (by key). */
  readonly #kept = new Map<string, string>();
  #closed = false;
  readonly #onError: (error: unknown) => void;

  private constructor(
    child: Deno.ChildProcess,
    path: string,
    file: Deno.FsFile,
    onError: (error: unknown) => void,
  ) {
    this.#child = child;
    this.#startedAt = Date.now();
    this.#path = path;
    this.#file = file;
    this.#onError = onError;
    this.#watch(child);
  }

  /**
   * Starts the watchdog (`awk` on PATH) with a registry file in the temp
   * directory. Throws when either cannot be created. `onError` hears about
   * registry writes that fail.
   */
  static start(onError: (error: unknown) => void = () => {}): Watchdog {
    const path = Deno.makeTempFileSync({ prefix: "orchestrator-watchdog-", suffix: ".pgids" });
    if (!/^[A-Za-z0-9_./-]+$/.test(path)) {
      Deno.removeSync(path);
      throw new Error(`Cannot use the temp path "${path}" for the watchdog registry`);
    }
    const file = Deno.openSync(path, { append: true });
    let child: Deno.ChildProcess;
    try {
      child = spawnWatchdog(path);
    } catch (error) {
      file.close();
      Deno.removeSync(path);
      throw error;
    }
    return new Watchdog(child, path, file, onError);
  }

  /** The current watchdog process's pid. */
  get pid(): number {
    return this.#child.pid;
  }

  /** The registry file. */
  get registry(): string {
    return this.#path;
  }

  /** How many times the watchdog process was replaced after it died. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Lists a process group to kill if the orchestrator dies. Synchronous. */
  add(pgid: number): void {
    this.#live.add(pgid);
    this.#write(`+${pgid}\n`);
  }

  /** Removes a process group that is gone. Synchronous. */
  remove(pgid: number): void {
    if (!this.#live.delete(pgid)) return;
    this.#write(`-${pgid}\n`);
  }

  /** Lists the orchestrator's cgroup, to kill and remove if the orchestrator dies. */
  addCgroup(dir: string): void {
    if (!/^\/[^'\n\\]*$/.test(dir)) {
      this.#onError(new Error(`Cannot list the cgroup "${dir}": unsafe path for the watchdog`));
      return;
    }
    this.#keep(`c${dir}`, `c${dir}\n`);
  }

  /** Lists an adopted process (pid and start time) to kill if the orchestrator dies. */
  adopt(pid: number, start: number): void {
    this.#keep(`a${pid}`, `a${pid} ${start}\n`);
  }

  /** Removes an adopted process that is gone. */
  release(pid: number): void {
    if (this.#kept.delete(`a${pid}`)) this.#write(`r${pid}\n`);
  }

  #keep(key: string, line: string): void {
    this.#kept.set(key, line);
    this.#write(line);
  }

  #write(line: string): void {
    if (this.#closed || this.#file === null) return;
    try {
      if (this.#size + line.length > COMPACT_BYTES) this.#compact();
      const bytes = encoder.encode(line);
      let offset = 0;
      while (offset < bytes.length) offset += this.#file.writeSync(bytes.subarray(offset));
      this.#size += bytes.length;
    } catch (error) {
      this.#file?.close();
      this.#file = null;
      this.#onError(error);
    }
  }

  /** Rewrites the registry with the live groups and the kept containment lines (atomic rename). */
  #compact(): void {
    const text = [...this.#live].map((g) => `+${g}\n`).join("") + [...this.#kept.values()].join("");
    const next = `${this.#path}.next`;
    Deno.writeTextFileSync(next, text);
    Deno.renameSync(next, this.#path);
    this.#file?.close();
    this.#file = Deno.openSync(this.#path, { append: true });
    this.#size = text.length;
  }

  /** Replaces the watchdog process when `child` exits while it should still watch. */
  #watch(child: Deno.ChildProcess): void {
    child.status.then((status) => {
      if (this.#closed || child !== this.#child) return;
      const lived = Date.now() - this.#startedAt;
      const delay = Math.max(0, RESPAWN_MS - lived);
      const when = delay === 0 ? "" : ` in ${delay} ms`;
      log.error(
        `The no-orphan watchdog (pid ${child.pid}) died (${describeExit(status)}): agents ` +
          `would outlive a killed orchestrator; starting a new one${when}`,
      );
      this.#scheduleRespawn(delay);
    });
  }

  #scheduleRespawn(delay: number): void {
    if (delay === 0) return this.#respawn();
    this.#respawnTimer = setTimeout(() => {
      this.#respawnTimer = null;
      this.#respawn();
    }, delay);
  }

  /** Starts a new watchdog process on the registry, rewritten with the live groups. */
  #respawn(): void {
    if (this.#closed) return;
    try {
      this.#compact();
    } catch (error) {
      // The appended registry still lists every live group: watch it as it is.
      this.#onError(error);
    }
    this.#child.stdin.close().catch(() => {});
    try {
      const child = spawnWatchdog(this.#path);
      this.#child = child;
      this.#startedAt = Date.now();
      this.#restarts++;
      this.#watch(child);
      log.warn(
        `Started a new no-orphan watchdog (pid ${child.pid}) watching ${this.#live.size} process groups`,
      );
    } catch (error) {
      log.error(`Cannot start a new no-orphan watchdog: {error}; retrying in ${RESPAWN_MS} ms`, {
        error: String(error),
      });
      this.#scheduleRespawn(RESPAWN_MS);
    }
  }

  /** Ends the watchdog without killing anything (clean shutdown). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#respawnTimer !== null) clearTimeout(this.#respawnTimer);
    this.#respawnTimer = null;
    this.#file?.close();
    this.#file = null;
    try {
      const writer = this.#child.stdin.getWriter();
      await writer.write(encoder.encode("q\n"));
      await writer.close();
    } catch {
      // The watchdog is gone already.
    }
    await this.#child.status;
    try {
      Deno.removeSync(this.#path);
    } catch {
      // Already removed.
    }
  }
}
