/**
 * `deno task install [--root DIR]`: puts an `orchestrator` command on PATH
 * that runs this checkout's `cli.ts` with the Deno that ran the install
 * (README, "Install"). The launcher is a two-line `sh` script that execs
 * that Deno binary directly, so a client command costs what `deno run` costs
 * (no `npx`, no `deno task`).
 *
 * The root is `--root DIR`, else `$DENO_INSTALL_ROOT` (as for `deno install`),
 * else `~/.local`; the command goes into `ROOT/bin/orchestrator`. Run it
 * again after moving the checkout or the Deno binary.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** What a launcher runs: the Deno binary, the checkout's `cli.ts` and `deno.json`. */
export interface LauncherTarget {
  deno: string;
  cli: string;
  config: string;
}

/** Quotes `text` for `sh` (single quotes; a `'` becomes `'\''`). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The launcher script. `--quiet` keeps Deno's own download notes out of the
 * output, `--no-prompt` makes a missing permission an error instead of a
 * question (there are none with `-A`, but a script must never stop to ask).
 */
export function launcherScript(target: LauncherTarget): string {
  return [
    "#!/bin/sh",
    "# orchestrator launcher written by `deno task install`: runs the checkout's cli.ts.",
    `exec ${shellQuote(target.deno)} run -A --quiet --no-prompt --config ${
      shellQuote(target.config)
    } ${shellQuote(target.cli)} "$@"`,
    "",
  ].join("\n");
}

/** The install root: `--root`, else `$DENO_INSTALL_ROOT`, else `$HOME/.local`. */
export function installRoot(
  root: string | undefined,
  env: { get(name: string): string | undefined },
): string {
  if (root !== undefined && root !== "") return root;
  const fromEnv = env.get("DENO_INSTALL_ROOT");
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const home = env.get("HOME");
  if (home === undefined || home === "") {
    throw new Error("HOME is not set: pass --root DIR");
  }
  return `${home}/.local`;
}

/** Writes the launcher into `ROOT/bin/orchestrator` (mode 0755) and returns its path. */
export async function install(root: string, target: LauncherTarget): Promise<string> {
  const bin = `${root.replace(/\/+$/, "")}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  const path = `${bin}/orchestrator`;
  const temp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temp, launcherScript(target), { mode: 0o755 });
  await Deno.chmod(temp, 0o755);
  await Deno.rename(temp, path);
  return path;
}

const HELP = `Usage: deno task install [--root DIR]

Puts an "orchestrator" command into DIR/bin that runs this checkout's cli.ts
with the Deno binary running this install. DIR: --root, else $DENO_INSTALL_ROOT,
else ~/.local.`;

async function main(argv: string[]): Promise<number> {
  let values: { root?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { root: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const checkout = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
  let path: string;
  try {
    path = await install(installRoot(values.root, Deno.env), {
      deno: Deno.execPath(),
      cli: `${checkout}/cli.ts`,
      config: `${checkout}/deno.json`,
    });
  } catch (error) {
    console.error(`Cannot install the orchestrator command: ${(error as Error).message}`);
    return 1;
  }
  console.log(`Installed ${path} (runs ${checkout}/cli.ts with ${Deno.execPath()})`);
  const bin = path.slice(0, path.lastIndexOf("/"));
  const onPath = (Deno.env.get("PATH") ?? "").split(":").includes(bin);
  if (!onPath) console.log(`Add its directory to PATH: export PATH="${bin}:$PATH"`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
