/**
 * `orchestrator validate FILE [--json] [--strict]`: checks a config and
 * prints every result. Exit 0 no errors, 1 errors (or warnings with
 * `--strict`), 2 the file cannot be read or parsed.
 *
 * @module
 */

import { type CliResult, EXIT } from "./result.ts";
import { oneFile, parseCliArgs } from "./args.ts";
import { colorEnabled } from "./format.ts";
import { loadConfigFile } from "../config/load.ts";
import { formatResults, summarize } from "../config/format.ts";

const HELP = `Usage: orchestrator validate FILE [--json] [--strict] [--no-color]

Checks a config file and reports every problem as (severity, field, position, message).

Options:
  --json      Print {"file", "valid", "results", "summary"} as JSON (one line)
  --strict    Treat warnings as errors (exit 1)
  --no-color  No colour (also: NO_COLOR=1 or TERM=dumb; FORCE_COLOR=1 forces it)
  -h, --help  Show this help

Exit codes: 0 no errors, 1 errors (or warnings with --strict),
            2 the file cannot be read or is not valid JSONC.`;

/** Runs `validate` with the arguments after the command name. */
export async function main(argv: string[]): Promise<CliResult> {
  const parsed = parseCliArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      strict: { type: "boolean", default: false },
      "no-color": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
  });
  if (parsed.values.help) return { exitCode: EXIT.ok, stdout: HELP };
  const file = oneFile(parsed.positionals, "config FILE");
  const loaded = await loadConfigFile(file);
  const summary = summarize(loaded.results);
  const unusable = loaded.readError !== undefined || loaded.parseFailed;
  const failed = summary.errors > 0 || (parsed.values.strict && summary.warnings > 0);
  const exitCode = unusable ? EXIT.usage : failed ? EXIT.error : EXIT.ok;
  if (parsed.values.json) {
    const body = { file, valid: summary.errors === 0, results: loaded.results, summary };
    return { exitCode, stdout: JSON.stringify(body) };
  }
  if (loaded.readError !== undefined) return { exitCode, stderr: loaded.readError };
  return {
    exitCode,
    stdout: formatResults(loaded.results, file, {
      color: colorEnabled(Deno.stdout, { noColor: parsed.values["no-color"] }),
    }),
  };
}
