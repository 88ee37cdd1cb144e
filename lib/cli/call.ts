/**
 * `orchestrator call <agent>`: run a task agent and print its output: the
 * task's exact stdout and stderr bytes (base64 answers decoded), then a
 * summary line on stderr.
 *
 * @module
 */

import {
  agentActionSpec,
  type ClientCommandSpec,
  helpText,
  parseInvocation,
  renderResponse,
  send,
  unavailable,
} from "./client_command.ts";
import { ClientError } from "../control/client.ts";
import type { UtcpResult } from "../agent/info.ts";
import { decodeOutput } from "../agent/output_encoding.ts";
import { type CliResult, EXIT } from "./result.ts";
import { formatCall } from "./views.ts";

/** The `call` command. */
export const spec: ClientCommandSpec = {
  ...agentActionSpec(
    "call",
    { inputs: true },
  ),
  agent: "required",
  format(data: UtcpResult) {
    const failed = data.timed_out || data.return_code !== 0;
    return { stderr: formatCall(data), exitCode: failed ? EXIT.error : EXIT.ok };
  },
  notes: "Prints the task's stdout and stderr exactly as it wrote them, then a summary on " +
    "stderr. Exits 1 when the task exits non-zero or times out. --json prints {stdout, " +
    "stderr, return_code, execution_time, timed_out, truncated, stdout_encoding, " +
    "stderr_encoding}.",
};

/** The task's own bytes before the summary of `result` (a success answer's CLI result). */
export function withTaskOutput(result: CliResult, data: UtcpResult): CliResult {
  const stdout = decodeOutput(data.stdout, data.stdout_encoding);
  const stderr = decodeOutput(data.stderr, data.stderr_encoding);
  const gap = stderr.length > 0 && stderr[stderr.length - 1] !== 0x0a ? "\n" : "";
  return { ...result, rawStdout: stdout, rawStderr: stderr, stderr: gap + (result.stderr ?? "") };
}

/** Runs `orchestrator call`. */
export async function main(argv: string[]): Promise<CliResult> {
  const inv = await parseInvocation(spec, argv);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  try {
    const response = await send(inv, {
      command: spec.name,
      options: spec.options?.(inv.args) ?? {},
    });
    const result = renderResponse(spec, response, { json: inv.json, format: inv.format });
    if (inv.json || response.status !== "success") return result;
    return withTaskOutput(result, response.data as UtcpResult);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
