/**
 * The `orchestrator` executable: argv → command table → `lib/cli/<command>.ts`.
 * Command modules are imported lazily so a client call such as `ps` loads
 * only the client code (no JSONC parser, JSON Schema or SQLite).
 *
 * @module
 */

import { type CliCommand, type CliResult, EXIT, UsageError } from "./lib/cli/result.ts";
import { type CliCommandName, COMMAND_SUMMARIES } from "./lib/cli/summaries.ts";
import { VERSION } from "./lib/version.ts";

/**
 * Imports `lib/cli/<command>.ts`. The specifier is computed on purpose: `deno
 * run` pre-loads every literal dynamic import, and the npm packages behind
 * them, at startup, which costs each client call ~7 ms. `deno task compile`
 * embeds the modules with `--include lib/cli/`.
 */
function load(command: CliCommandName): Promise<CliCommand> {
  return import(new URL(`./lib/cli/${command}.ts`, import.meta.url).href);
}

function isCliCommand(name: string): name is CliCommandName {
  return Object.hasOwn(COMMAND_SUMMARIES, name);
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMAND_SUMMARIES).map((c) => c.length));
  const lines = Object.entries(COMMAND_SUMMARIES).map(([name, summary]) =>
    `  ${name.padEnd(width)}  ${summary}`
  );
  return [
    `orchestrator ${VERSION}: a process orchestrator for servers`,
    "",
    "Usage: orchestrator <command> [args] [--socket PATH] [--config FILE] [--json] [--timeout S]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run 'orchestrator <command> --help' for the options of a command.",
    "Exit codes: 0 success, 1 error answered, 2 usage error, 3 cannot connect or timed out.",
  ].join("\n");
}

/** Runs the CLI with `argv` and returns what to print and the exit code. */
export async function runCli(argv: string[]): Promise<CliResult> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    return { exitCode: name === undefined ? EXIT.usage : EXIT.ok, stdout: usage() };
  }
  if (name === "--version" || name === "-V" || name === "version") {
    return { exitCode: EXIT.ok, stdout: `orchestrator ${VERSION}` };
  }
  if (!isCliCommand(name)) {
    return {
      exitCode: EXIT.usage,
      stderr: `Unknown command "${name}"\nRun 'orchestrator --help' for the list of commands.`,
    };
  }
  try {
    return await (await load(name)).main(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      return {
        exitCode: EXIT.usage,
        stderr: `${error.message}\nRun 'orchestrator ${name} --help' for usage.`,
      };
    }
    throw error;
  }
}

function write(stream: { writeSync(p: Uint8Array): number }, text: string | undefined): void {
  if (text === undefined || text === "") return;
  const data = new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n");
  let offset = 0;
  while (offset < data.length) offset += stream.writeSync(data.subarray(offset));
}

if (import.meta.main) {
  const result = await runCli(Deno.args);
  write(Deno.stdout, result.stdout);
  write(Deno.stderr, result.stderr);
  Deno.exit(result.exitCode);
}
