/**
 * The `orchestrator` executable: argv → command table → `lib/cli/<command>.ts`.
 * Command modules are imported lazily so a client call such as `ps` loads
 * only the client code (no JSONC parser, JSON Schema or SQLite).
 *
 * @module
 */

import { type CliCommand, type CliResult, EXIT, UsageError } from "./lib/cli/result.ts";
import { VERSION } from "./lib/version.ts";

interface CommandEntry {
  summary: string;
  /** Module name under `lib/cli/`. */
  module: string;
}

/**
 * Imports `lib/cli/<module>.ts`. The specifier is computed on purpose: `deno
 * run` pre-loads every literal dynamic import, and the npm packages behind
 * them, at startup, which costs each client call ~7 ms. `deno task compile`
 * embeds the modules with `--include lib/cli/`.
 */
function load(module: string): Promise<CliCommand> {
  return import(new URL(`./lib/cli/${module}.ts`, import.meta.url).href);
}

const COMMANDS: Record<string, CommandEntry> = {
  run: {
    summary: "Run the agents of a config (foreground)",
    module: "run",
  },
  validate: {
    summary: "Check a config and report every problem",
    module: "validate",
  },
  schema: { summary: "Print the config's JSON Schema", module: "schema" },
  example: { summary: "Print the example config (every option commented)", module: "example" },
  ps: { summary: "List agents with state and pid", module: "ps" },
  status: {
    summary: "Show the status of one agent or all; --wait until up",
    module: "status",
  },
  stats: { summary: "Show orchestrator statistics", module: "stats" },
  history: { summary: "Query the event history", module: "history" },
  report: {
    summary: "Summary report of agents and recent events",
    module: "report",
  },
  start: { summary: "Start an agent", module: "start" },
  stop: { summary: "Stop an agent", module: "stop" },
  restart: { summary: "Restart an agent", module: "restart" },
  pause: {
    summary: "Pause an agent (SIGSTOP to its process group)",
    module: "pause",
  },
  resume: { summary: "Resume a paused agent (SIGCONT)", module: "resume" },
  logs: { summary: "Show an agent's captured output", module: "logs" },
  call: {
    summary: "Run a task agent and print its UTCP result",
    module: "call",
  },
  shutdown: {
    summary: "Shut the orchestrator down gracefully",
    module: "shutdown",
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) =>
    `  ${name.padEnd(width)}  ${c.summary}`
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
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    return {
      exitCode: EXIT.usage,
      stderr: `Unknown command "${name}"\nRun 'orchestrator --help' for the list of commands.`,
    };
  }
  try {
    return await (await load(entry.module)).main(rest);
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
