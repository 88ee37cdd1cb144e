/**
 * The shell completion scripts (bash, zsh, fish), generated from what each
 * command's `--help` lists: pure functions of {@link CompletionCommand}s.
 * Every script completes command names, each command's flags, file names
 * for `--socket`, `--config`, `run` and `validate`, and agent names from
 * the running orchestrator, through the hidden `orchestrator __complete
 * agents --timeout 1` (stderr discarded), given the `--socket`/`--config`
 * already typed.
 *
 * @module
 */

/** A flag as `--help` lists it. */
export interface CompletionFlag {
  /** With the dashes: `--socket`. */
  flag: string;
  /** The value's placeholder (`PATH`), when the flag takes one. */
  value?: string;
  help: string;
}

/** What the scripts know of one command. */
export interface CompletionCommand {
  name: string;
  summary: string;
  flags: CompletionFlag[];
  /** What its positional arguments are. */
  operand: "agents" | "files" | "shells" | "none";
}

/** Flags whose value is a file. */
const FILE_FLAGS = ["--socket", "--config"];

/** Flags whose value is an agent name. */
const AGENT_FLAGS = ["--agent"];

/** Flags whose value is one of a few words. */
const CHOICES: Readonly<Record<string, string>> = { "--category": "agent command system" };

/** `text` as one single-quoted shell word (bash, zsh and fish read it alike). */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

function valueFlags(commands: readonly CompletionCommand[]): string[] {
  const all = commands.flatMap((c) => c.flags.filter((f) => f.value !== undefined));
  return [...new Set(all.map((f) => f.flag))].filter(
    (f) => !FILE_FLAGS.includes(f) && !AGENT_FLAGS.includes(f) && !Object.hasOwn(CHOICES, f),
  );
}

function names(commands: readonly CompletionCommand[], operand: CompletionCommand["operand"]) {
  return commands.filter((c) => c.operand === operand).map((c) => c.name);
}

/**
 * The bash script: `_orchestrator` fills COMPREPLY from COMP_WORDS and
 * COMP_CWORD; registered with `complete -F _orchestrator orchestrator`.
 * Load it with `source <(orchestrator completion bash)`.
 */
export function bashScript(commands: readonly CompletionCommand[]): string {
  const flagCases = commands.map((c) =>
    `    ${c.name}) flags=${quote(c.flags.map((f) => f.flag).join(" "))} ;;`
  );
  const values = valueFlags(commands);
  return `# bash completion for orchestrator: source <(orchestrator completion bash)

_orchestrator_agents() {
  local args=() i w
  for ((i = 2; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ $w == --socket || $w == --config ]]; then
      if [[ \${COMP_WORDS[i+1]} == "=" ]]; then
        args+=("$w" "\${COMP_WORDS[i+2]}")
      else
        args+=("$w" "\${COMP_WORDS[i+1]}")
      fi
    fi
  done
  "\${COMP_WORDS[0]}" __complete agents --timeout 1 "\${args[@]}" 2>/dev/null
}

_orchestrator() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="\${COMP_WORDS[1]}" flags=""
  [[ $prev == "=" && COMP_CWORD -gt 2 ]] && prev="\${COMP_WORDS[COMP_CWORD-2]}"
  [[ $cur == "=" ]] && cur=""
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W ${
    quote([...commands.map((c) => c.name), "help", "--help", "--version"].join(" "))
  } -- "$cur"))
    return 0
  fi
  case "$prev" in
    ${FILE_FLAGS.join("|")})
      COMPREPLY=($(compgen -f -- "$cur"))
      return 0 ;;
    ${AGENT_FLAGS.join("|")})
      COMPREPLY=($(compgen -W "$(_orchestrator_agents)" -- "$cur"))
      return 0 ;;${
    Object.entries(CHOICES).map(([flag, words]) => `
    ${flag})
      COMPREPLY=($(compgen -W ${quote(words)} -- "$cur"))
      return 0 ;;`).join("")
  }${
    values.length === 0 ? "" : `
    ${values.join("|")})
      return 0 ;;`
  }
  esac
  if [[ $cur == -* ]]; then
    case "$cmd" in
${flagCases.join("\n")}
    esac
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return 0
  fi
  case "$cmd" in
    ${names(commands, "agents").join("|")})
      COMPREPLY=($(compgen -W "$(_orchestrator_agents)" -- "$cur")) ;;
    ${names(commands, "files").join("|")})
      COMPREPLY=($(compgen -f -- "$cur")) ;;
    ${names(commands, "shells").join("|")})
      COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
  esac
  return 0
}

complete -F _orchestrator orchestrator
`;
}

/**
 * The zsh script: a `#compdef` function, to save as `_orchestrator` in
 * `$fpath` or to load with `source <(orchestrator completion zsh)` (after
 * `compinit`).
 */
export function zshScript(commands: readonly CompletionCommand[]): string {
  const described = commands.map((c) => `    ${quote(`${c.name}:${c.summary}`)}`);
  const flagCases = commands.map((c) =>
    `    ${c.name}) flags=(${c.flags.map((f) => quote(`${f.flag}:${f.help}`)).join(" ")}) ;;`
  );
  const values = valueFlags(commands);
  return `#compdef orchestrator
# zsh completion for orchestrator: source <(orchestrator completion zsh)

_orchestrator_agents() {
  local -a args
  local i
  for ((i = 3; i < CURRENT; i++)); do
    case \${words[i]} in
      --socket|--config) args+=(\${words[i]} \${words[i+1]}) ;;
      --socket=*|--config=*) args+=(\${words[i]}) ;;
    esac
  done
  \${words[1]} __complete agents --timeout 1 \${args[@]} 2>/dev/null
}

_orchestrator() {
  local -a commands flags agents
  local cmd=\${words[2]}
  if ((CURRENT == 2)); then
    commands=(
${described.join("\n")}
    )
    _describe -t commands 'orchestrator command' commands
    return
  fi
  case \${words[CURRENT-1]} in
    ${FILE_FLAGS.join("|")}) _files; return ;;
    ${AGENT_FLAGS.join("|")})
      agents=(\${(f)"$(_orchestrator_agents)"})
      compadd -a agents
      return ;;${
    Object.entries(CHOICES).map(([flag, words]) => `
    ${flag}) compadd ${words}; return ;;`).join("")
  }${
    values.length === 0 ? "" : `
    ${values.join("|")}) return ;;`
  }
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    case $cmd in
${flagCases.join("\n")}
    esac
    _describe -t options 'option' flags
    return
  fi
  case $cmd in
    ${names(commands, "agents").join("|")})
      agents=(\${(f)"$(_orchestrator_agents)"})
      compadd -a agents ;;
    ${names(commands, "files").join("|")}) _files ;;
    ${names(commands, "shells").join("|")}) compadd bash zsh fish ;;
  esac
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _orchestrator "$@"
else
  compdef _orchestrator orchestrator
fi
`;
}

/** The fish script: `orchestrator completion fish | source`. */
export function fishScript(commands: readonly CompletionCommand[]): string {
  const lines = [
    "# fish completion for orchestrator: orchestrator completion fish | source",
    "",
    "function __orchestrator_agents",
    "    set -l tokens (commandline -opc)",
    "    set -l args",
    "    for i in (seq 3 (count $tokens))",
    "        switch $tokens[$i]",
    "            case --socket --config",
    "                set -a args $tokens[$i] $tokens[(math $i + 1)]",
    "            case '--socket=*' '--config=*'",
    "                set -a args $tokens[$i]",
    "        end",
    "    end",
    "    $tokens[1] __complete agents --timeout 1 $args 2>/dev/null",
    "end",
    "",
    "complete -c orchestrator -f",
  ];
  for (const c of commands) {
    lines.push(
      `complete -c orchestrator -n __fish_use_subcommand -a ${c.name} -d ${quote(c.summary)}`,
    );
  }
  for (const c of commands) {
    const when = quote(`__fish_seen_subcommand_from ${c.name}`);
    for (const f of c.flags) {
      const value = f.value === undefined
        ? ""
        : FILE_FLAGS.includes(f.flag)
        ? " -r -F"
        : AGENT_FLAGS.includes(f.flag)
        ? " -x -a '(__orchestrator_agents)'"
        : Object.hasOwn(CHOICES, f.flag)
        ? ` -x -a ${quote(CHOICES[f.flag])}`
        : " -x";
      lines.push(
        `complete -c orchestrator -n ${when} -l ${f.flag.slice(2)}${value} -d ${quote(f.help)}`,
      );
    }
    const operand = {
      agents: " -a '(__orchestrator_agents)'",
      files: " -F",
      shells: " -a 'bash zsh fish'",
      none: "",
    }[c.operand];
    if (operand !== "") lines.push(`complete -c orchestrator -n ${when}${operand}`);
  }
  return lines.join("\n") + "\n";
}
