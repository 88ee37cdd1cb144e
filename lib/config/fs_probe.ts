/**
 * Filesystem checks of the validator (commands on PATH, directories),
 * cached per run so a config with thousands of agents stats each command
 * and directory once. Synchronous and side-effect free: nothing is created.
 *
 * @module
 */

import { suggest } from "../suggest.ts";
import { dirname } from "../path.ts";

/** Where a command was (or was not) found. */
export type CommandLookup =
  | { found: true; path: string }
  | { found: false; reason: string; suggestion?: string };

/** What can be said about a directory a file should go into. */
export type DirectoryStatus =
  | { kind: "ok" }
  | { kind: "not-writable"; path: string }
  | { kind: "not-directory"; path: string }
  /** Missing; `creatable` when its nearest existing ancestor is a writable directory. */
  | { kind: "missing"; creatable: boolean; ancestor: string };

/** Most PATH entries read for suggestions. */
const MAX_PATH_NAMES = 50_000;

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

/** Cached filesystem probes for one validation run. */
export class FsProbe {
  #commands = new Map<string, CommandLookup>();
  #dirs = new Map<string, DirectoryStatus>();
  #pathNames = new Map<string, string[]>();
  #uid = Deno.uid();
  #groups: Set<number> | undefined;
  #cwd: string | undefined;

  /** The working directory, read once per run (`Deno.cwd()` costs a system call). */
  get cwd(): string {
    this.#cwd ??= Deno.cwd();
    return this.#cwd;
  }

  /**
   * Looks `command` up like `execvp`: a name containing `/` is a path
   * (relative ones against `cwd`), anything else is searched on `pathValue`.
   */
  findCommand(command: string, pathValue: string, cwd: string): CommandLookup {
    const key = `${pathValue}\0${cwd}\0${command}`;
    let result = this.#commands.get(key);
    if (result === undefined) {
      result = this.#lookup(command, pathValue, cwd);
      this.#commands.set(key, result);
    }
    return result;
  }

  #lookup(command: string, pathValue: string, cwd: string): CommandLookup {
    if (command.includes("/")) {
      const path = command.startsWith("/") ? command : `${cwd.replace(/\/+$/, "")}/${command}`;
      const info = statOrNull(path);
      if (info === null) return { found: false, reason: "does not exist" };
      if (!info.isFile) return { found: false, reason: "is not a file" };
      if (!this.#executable(info)) return { found: false, reason: "is not executable" };
      return { found: true, path };
    }
    for (const dir of pathValue.split(":")) {
      if (dir === "") continue;
      const info = statOrNull(`${dir}/${command}`);
      if (info !== null && info.isFile && this.#executable(info)) {
        return { found: true, path: `${dir}/${command}` };
      }
    }
    const suggestion = suggest(command, this.#namesOnPath(pathValue));
    return suggestion === undefined
      ? { found: false, reason: "is not on PATH" }
      : { found: false, reason: "is not on PATH", suggestion };
  }

  #namesOnPath(pathValue: string): string[] {
    let names = this.#pathNames.get(pathValue);
    if (names !== undefined) return names;
    const set = new Set<string>();
    for (const dir of pathValue.split(":")) {
      if (dir === "") continue;
      try {
        for (const entry of Deno.readDirSync(dir)) {
          if (set.size >= MAX_PATH_NAMES) break;
          set.add(entry.name);
        }
      } catch {
        // A PATH entry that cannot be listed contributes no names.
      }
    }
    names = [...set];
    this.#pathNames.set(pathValue, names);
    return names;
  }

  /** True when `path` is an existing directory. */
  isDirectory(path: string): boolean {
    return statOrNull(path)?.isDirectory === true;
  }

  /** Whether a file can be created in `dir` (missing dirs: whether they can be created). */
  directoryStatus(dir: string): DirectoryStatus {
    let status = this.#dirs.get(dir);
    if (status === undefined) {
      status = this.#directoryStatus(dir);
      this.#dirs.set(dir, status);
    }
    return status;
  }

  #directoryStatus(dir: string): DirectoryStatus {
    const info = statOrNull(dir);
    if (info === null) {
      let ancestor = dirname(dir);
      for (let i = 0; i < 256; i++) {
        const a = statOrNull(ancestor);
        if (a !== null) {
          return {
            kind: "missing",
            creatable: a.isDirectory && this.#writable(a),
            ancestor,
          };
        }
        const next = dirname(ancestor);
        if (next === ancestor) break;
        ancestor = next;
      }
      return { kind: "missing", creatable: false, ancestor };
    }
    if (!info.isDirectory) return { kind: "not-directory", path: dir };
    if (!this.#writable(info)) return { kind: "not-writable", path: dir };
    return { kind: "ok" };
  }

  #executable(info: Deno.FileInfo): boolean {
    return ((info.mode ?? 0) & 0o111) !== 0;
  }

  #writable(info: Deno.FileInfo): boolean {
    if (this.#uid === 0 || this.#uid === null) return true;
    const mode = info.mode ?? 0;
    if (info.uid === this.#uid) return (mode & 0o300) === 0o300;
    if (info.gid !== null && this.#memberOf(info.gid)) return (mode & 0o030) === 0o030;
    return (mode & 0o003) === 0o003;
  }

  #memberOf(gid: number): boolean {
    if (this.#groups === undefined) {
      this.#groups = new Set([Deno.gid() ?? -1]);
      try {
        const status = Deno.readTextFileSync("/proc/self/status");
        const line = status.split("\n").find((l) => l.startsWith("Groups:")) ?? "";
        for (const g of line.slice(7).trim().split(/\s+/)) {
          if (g !== "") this.#groups.add(Number(g));
        }
      } catch {
        // Without /proc only the primary group is known.
      }
    }
    return this.#groups.has(gid);
  }
}
