/**
 * The `orchestrator` executable: argv → command table → `lib/cli/<command>.ts`.
 * Command modules are imported lazily so a client call such as `ps` loads
 * only the client code (no JSONC parser, JSON Schema or SQLite).
 *
 * @module
 */

import { type CliCommand, type CliResult, EXIT, UsageError } from "./lib/cli/result.ts";
import { type CliCommandName, COMMAND_SUMMARIES } from "./lib/cli/summaries.ts";
import { didYouMean } from "./lib/suggest.ts";
import { VERSION } from "./lib/version.ts";

/**
 * The hidden command the completion scripts call for agent names
 * (lib/cli/complete.ts); not listed in `--help`.
 */
const COMPLETE = "__complete";

/**
 * Imports `lib/cli/<command>.ts`. The specifier is computed on purpose: `deno
 * run` pre-loads every literal dynamic import, and the npm packages behind
 * them, at startup, which costs each client call ~7 ms. `deno task compile`
 * embeds the modules with `--include lib/cli/`.
 */
function load(command: CliCommandName | typeof COMPLETE): Promise<CliCommand> {
  const file = command === COMPLETE ? "complete" : command;
  return import(new URL(`./lib/cli/${file}.ts`, import.meta.url).href);
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
    "                    [--no-color]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run 'orchestrator <command> --help' for the options of a command.",
    "Agent commands take several targets: names, globs ('web-*'), group:NAME or all.",
    "Colour only on a terminal; off with --no-color, a non-empty NO_COLOR or TERM=dumb;",
    "FORCE_COLOR=1 forces it.",
    "Shell completions: 'orchestrator completion bash|zsh|fish'.",
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
  if (name === COMPLETE) return await (await load(COMPLETE)).main(rest);
  if (!isCliCommand(name)) {
    const known = [...Object.keys(COMMAND_SUMMARIES), "help", "version"];
    return {
      exitCode: EXIT.usage,
      stderr: `Unknown command ${JSON.stringify(name)}${didYouMean(name, known)}\n` +
        "Run 'orchestrator --help' for the list of commands.",
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

interface Output {
  writeSync(p: Uint8Array): number;
}

function write(stream: Output, text: string | undefined): void {
  if (text === undefined || text === "") return;
  writeAll(stream, new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n"));
}

function writeAll(stream: Output, data: Uint8Array | undefined): void {
  let offset = 0;
  while (data !== undefined && offset < data.length) {
    offset += stream.writeSync(data.subarray(offset));
  }
}

if (import.meta.main) {
  const result = await runCli(Deno.args);
  writeAll(Deno.stdout, result.rawStdout);
  write(Deno.stdout, result.stdout);
  writeAll(Deno.stderr, result.rawStderr);
  write(Deno.stderr, result.stderr);
  Deno.exit(result.exitCode);
}
