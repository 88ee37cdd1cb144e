/**
 * The adopted-process file of subreaper mode: the processes an orchestrator
 * adopted and its agents' process-group leaders (pid + start time),
 * rewritten when the lists change, so that the next orchestrator kills
 * exactly them if this one dies without its watchdog. One file per
 * orchestrator process,
 * `adopted-<pid>-<start>.json`, in `$XDG_RUNTIME_DIR/orchestrator/` or
 * `/tmp/orchestrator-<uid>/` (a 0700 directory that must be ours).
 *
 * @module
 */

import { ownStartTime, readStat, sameProcess } from "./proc.ts";

/** One adopted process: pid and start time (clock ticks since boot). */
export interface ProcessRecord {
  pid: number;
  start: number;
}

const FILE_NAME = /^adopted-([0-9]+)-([0-9]+)\.json(\.tmp)?$/;

/** Largest adopted file read back (a list of pids is small). */
const FILE_MAX_BYTES = 1024 * 1024;

/** The directory of the adopted files for this user. */
export function adoptedDirectory(env: (name: string) => string | undefined): string {
  const runtime = env("XDG_RUNTIME_DIR");
  return runtime !== undefined && runtime.startsWith("/")
    ? `${runtime.replace(/\/+$/, "")}/orchestrator`
    : `/tmp/orchestrator-${Deno.uid() ?? 0}`;
}

/**
 * Makes sure `dir` is a directory of ours that no one else can write
 * (with `create`, creates it 0700 when missing). Throws with the reason
 * otherwise.
 */
function ensureOwnDirectory(dir: string, create: boolean): void {
  if (create) {
    try {
      Deno.mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  const info = Deno.lstatSync(dir);
  if (!info.isDirectory) throw new Error(`"${dir}" is not a directory`);
  if (info.uid !== Deno.uid()) throw new Error(`"${dir}" belongs to uid ${info.uid}`);
  if (((info.mode ?? 0) & 0o022) !== 0) throw new Error(`"${dir}" is writable by others`);
}

/** What an adopted file lists. */
export interface AdoptedLists {
  /** Processes adopted by the subreaper. */
  adopted: ProcessRecord[];
  /** Leaders of the agents' process groups. */
  agents: ProcessRecord[];
}

/**
 * Parses an adopted file into one list of processes (adopted and agent
 * leaders); entries that are not `{pid, start}` integers are dropped.
 */
export function parseAdopted(text: string): ProcessRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof data !== "object" || data === null) return [];
  const lists = data as Record<string, unknown>;
  return [lists.adopted, lists.agents].flatMap((list) =>
    Array.isArray(list)
      ? list.filter((r): r is ProcessRecord =>
        typeof r === "object" && r !== null && Number.isSafeInteger(r.pid) && r.pid > 1 &&
        Number.isSafeInteger(r.start)
      )
      : []
  );
}

/** This process's adopted file. */
export class AdoptedFile {
  readonly path: string;
  readonly #owner: ProcessRecord;
  #written = false;

  private constructor(path: string, owner: ProcessRecord) {
    this.path = path;
    this.#owner = owner;
  }

  /** The file of this process in `dir` (created 0700 when missing; the file at the first write). Throws when `dir` is not ours. */
  static open(dir: string): AdoptedFile {
    ensureOwnDirectory(dir, true);
    const owner = { pid: Deno.pid, start: ownStartTime() };
    return new AdoptedFile(`${dir}/adopted-${owner.pid}-${owner.start}.json`, owner);
  }

  /** Replaces the lists (atomic rename); empty lists remove the file. */
  write(lists: AdoptedLists): void {
    if (lists.adopted.length === 0 && lists.agents.length === 0) {
      this.remove();
      return;
    }
    const tmp = `${this.path}.tmp`;
    const text = JSON.stringify({ owner: this.#owner, ...lists });
    Deno.writeTextFileSync(tmp, text, { mode: 0o600 });
    Deno.renameSync(tmp, this.path);
    this.#written = true;
  }

  /** Removes the file. */
  remove(): void {
    if (!this.#written) return;
    try {
      Deno.removeSync(this.path);
    } catch {
      // Already gone.
    }
    this.#written = false;
  }
}

/**
 * Kills the processes listed in the adopted files of `dir` whose owner is
 * dead — only those that still run with the recorded start time, so a
 * reused pid is never signalled — and removes those files. Returns the
 * records it killed. Never throws; a directory that is missing or not ours
 * is left alone.
 */
export function killLeftoverAdopted(dir: string): ProcessRecord[] {
  const killed: ProcessRecord[] = [];
  let entries: Deno.DirEntry[];
  try {
    ensureOwnDirectory(dir, false);
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return killed;
  }
  for (const entry of entries) {
    const m = FILE_NAME.exec(entry.name);
    if (m === null || !entry.isFile) continue;
    const owner = readStat(Number(m[1]));
    if (owner !== null && owner.start === Number(m[2]) && owner.state !== "Z") continue;
    const path = `${dir}/${entry.name}`;
    if (m[3] === undefined) {
      for (const record of readRecords(path)) {
        if (!sameProcess(record.pid, record.start)) continue;
        for (const target of [-record.pid, record.pid]) {
          try {
            Deno.kill(target, "SIGKILL");
          } catch {
            // Not a group leader, or gone.
          }
        }
        killed.push(record);
      }
    }
    try {
      Deno.removeSync(path);
    } catch {
      // Removed by someone else.
    }
  }
  return killed;
}

function readRecords(path: string): ProcessRecord[] {
  try {
    const info = Deno.lstatSync(path);
    if (!info.isFile || info.uid !== Deno.uid() || info.size > FILE_MAX_BYTES) return [];
    return parseAdopted(Deno.readTextFileSync(path));
  } catch {
    return [];
  }
}
