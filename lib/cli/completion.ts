/**
 * `orchestrator completion bash|zsh|fish`: prints a shell completion
 * script (lib/cli/completion_scripts.ts). What it completes comes from the
 * commands themselves: the flags each `--help` lists, and whether a command
 * takes agents (its client spec), files or shell names.
 *
 * @module
 */

import { parseCliArgs } from "./args.ts";
import type { ClientCommandSpec } from "./client_command.ts";
import {
  bashScript,
  type CompletionCommand,
  type CompletionFlag,
  fishScript,
  zshScript,
} from "./completion_scripts.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { COMMAND_SUMMARIES } from "./summaries.ts";
import { didYouMean } from "../suggest.ts";

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

const HELP = `Usage: orchestrator completion bash|zsh|fish

Prints a completion script for the shell: commands, their flags, files for
--socket, --config, run and validate, and the agent names of the running
orchestrator (asked with a 1 s timeout, quietly).

  bash:  source <(orchestrator completion bash)       (e.g. in ~/.bashrc)
  zsh:   source <(orchestrator completion zsh)        (after compinit, in ~/.zshrc)
  fish:  orchestrator completion fish | source        (or save it in
         ~/.config/fish/completions/orchestrator.fish)

Options:
  --no-color  Accepted as by every command (nothing is coloured)
  -h, --help  Show this help`;

/** Commands whose arguments are files. */
const FILE_OPERANDS: readonly string[] = ["run", "validate"];

/**
 * The flags a `--help` text lists in its `Options:` part: lines such as
 * `  --socket PATH  Control socket path` or `  -h, --help  Show this help`.
 */
export function helpFlags(help: string): CompletionFlag[] {
  const start = help.indexOf("\nOptions:\n");
  if (start < 0) return [];
  const out: CompletionFlag[] = [];
  for (const line of help.slice(start + 10).split("\n")) {
    if (line.trim() === "") break;
    const m = /^ +(?:-\w, )?(--[a-z][a-z-]*)(?: ([A-Z][A-Z_=]*))? {2,}(.*)$/.exec(line);
    if (m === null) continue; // a continued description
    const flag: CompletionFlag = { flag: m[1], help: m[3].trim() };
    if (m[2] !== undefined) flag.value = m[2];
    out.push(flag);
  }
  return out;
}

/** What the scripts need of every command, from the command modules. */
export async function completionCommands(): Promise<CompletionCommand[]> {
  const out: CompletionCommand[] = [];
  for (const [name, summary] of Object.entries(COMMAND_SUMMARIES)) {
    const module = name === "completion"
      ? { main }
      : await import(new URL(`./${name}.ts`, import.meta.url).href) as {
        main(argv: string[]): Promise<CliResult>;
        spec?: ClientCommandSpec;
      };
    const help = (await module.main(["--help"])).stdout ?? "";
    const spec = "spec" in module ? module.spec : undefined;
    const operand = name === "completion"
      ? "shells"
      : FILE_OPERANDS.includes(name)
      ? "files"
      : spec !== undefined && spec.agent !== "none"
      ? "agents"
      : "none";
    out.push({ name, summary, flags: helpFlags(help), operand });
  }
  return out;
}

/** Runs `orchestrator completion`. */
export async function main(argv: string[]): Promise<CliResult> {
  const parsed = parseCliArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h", default: false },
      "no-color": { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: HELP };
  const [shell, ...extra] = parsed.positionals;
  if (shell === undefined) throw new UsageError("Missing the shell: bash, zsh or fish");
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  if (!Object.hasOwn(SHELLS, shell)) {
    const hint = didYouMean(shell, Object.keys(SHELLS));
    throw new UsageError(
      `Unknown shell ${JSON.stringify(shell)}${hint === "" ? ": give bash, zsh or fish" : hint}`,
    );
  }
  const script = SHELLS[shell as keyof typeof SHELLS](await completionCommands());
  return { exitCode: EXIT.ok, stdout: script };
}
