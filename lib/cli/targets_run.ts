/**
 * The I/O around lib/cli/targets.ts: one `ps` request to resolve the
 * targets, then one request per agent on the same connection, in order
 * (`stop`: in the reverse order); and the "did you mean" of a single
 * unknown agent. Loaded by lib/cli/client_command.ts only when needed.
 *
 * @module
 */

import { ClientError, ControlClient } from "../control/client.ts";
import type { ControlResponse } from "../control/protocol.ts";
import { didYouMean } from "../suggest.ts";
import { type CliResult, EXIT } from "./result.ts";
import { type AgentRow, renderResults, resolveTargets, type TargetResult } from "./targets.ts";

/** What a run of several targets needs of the invocation (lib/cli/client_command.ts). */
export interface TargetsInvocation {
  /** Every target as written, in order. */
  targets: string[];
  /** The one plain agent name, if that is all there is. */
  agent?: string;
  socket: string;
  socketOrigin: string;
  timeoutMs: number;
  json: boolean;
}

/** The agents of a `ps` answer, or `null` when it is an error. */
function rowsOf(ps: ControlResponse): AgentRow[] | null {
  if (ps.status !== "success") return null;
  const agents = (ps.data as { agents?: unknown } | null)?.agents;
  return Array.isArray(agents) ? agents as AgentRow[] : null;
}

/**
 * Sends `command` (with `options`, and `args` after the agent name) for
 * every target of `inv` and prints one result per agent, a success as
 * `line(data)`.
 */
export async function runTargets(
  command: string,
  inv: TargetsInvocation,
  request: {
    options: Record<string, unknown>;
    args?: string[];
    line: (data: unknown) => string;
  },
): Promise<CliResult> {
  const client = await ControlClient.connect(inv.socket, {
    timeoutMs: inv.timeoutMs,
    origin: inv.socketOrigin,
  });
  const results: TargetResult[] = [];
  try {
    const ps = await client.request("ps");
    const resolved = resolveTargets(
      inv.targets,
      rowsOf(ps),
      ps.status === "error" ? ps : undefined,
    );
    for (const r of command === "stop" ? resolved.reverse() : resolved) {
      if (!("agent" in r)) {
        results.push({ target: r.target, status: "error", code: r.code, error: r.error });
        continue;
      }
      const args = [r.agent, ...request.args ?? []];
      const response = await client.request(command, args, request.options);
      results.push(
        response.status === "success"
          ? { target: r.agent, status: "success", data: response.data }
          : { target: r.agent, status: "error", code: response.code, error: response.error },
      );
    }
    return renderResults(results, inv.json, request.line);
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    const partial = renderResults(results, inv.json, request.line);
    return {
      exitCode: EXIT.unavailable,
      stdout: partial.stdout,
      stderr: partial.stderr === undefined ? error.message : `${partial.stderr}\n${error.message}`,
    };
  } finally {
    client.close();
  }
}

/**
 * A 404 answer for the invocation's agent with `: did you mean "web"?`
 * appended, from the names of a `ps` answer; the answer unchanged when
 * there is no close name or `ps` fails.
 */
export async function withAgentSuggestion(
  inv: TargetsInvocation,
  response: ControlResponse,
): Promise<ControlResponse> {
  if (response.status !== "error" || inv.agent === undefined) return response;
  try {
    const client = await ControlClient.connect(inv.socket, { timeoutMs: inv.timeoutMs });
    let rows: AgentRow[] | null;
    try {
      rows = rowsOf(await client.request("ps"));
    } finally {
      client.close();
    }
    const hint = didYouMean(inv.agent, rows?.map((r) => r.name) ?? []);
    return hint === "" ? response : { ...response, error: response.error + hint };
  } catch (error) {
    if (error instanceof ClientError) return response;
    throw error;
  }
}
