/**
 * What the tests ask of the machine they run on: programs on PATH (the
 * bench's lookup, bench/measure/child.ts), files, and a socket that a child
 * process is to create.
 */

import { onPath as programPath } from "../bench/measure/child.ts";

/** True when an executable `name` is on PATH. */
export function onPath(name: string): boolean {
  return programPath(name) !== null;
}

/** True when something exists at `path` (a dangling symlink counts). */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (at most 10 s) until `child` listens on a socket at `path`: the file
 * exists and a connection is taken (between bind and listen a connect is
 * refused). Throws if `child` exits first.
 */
export async function waitForSocket(path: string, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !exited) {
    try {
      if (Deno.lstatSync(path).isSocket) {
        (await Deno.connect({ transport: "unix", path })).close();
        return;
      }
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`No socket appeared at "${path}"`);
}

/** One dependency of a module in `deno info --json`. */
export interface InfoDependency {
  specifier: string;
  code?: { specifier: string };
  type?: { specifier: string };
  isDynamic?: boolean;
}

/** What `deno info --json` says of a module graph. */
export interface ModuleInfo {
  roots: string[];
  modules: { specifier: string; dependencies?: InfoDependency[] }[];
}

/** Runs `deno info --json ENTRY` from the project root and returns what it says. */
export async function denoInfo(entry: string): Promise<ModuleInfo> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as ModuleInfo;
}
