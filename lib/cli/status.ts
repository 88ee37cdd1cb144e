/**
 * `orchestrator status [agent] [--wait]`: one agent's status, or every
 * agent's. With `--wait`, retries until the orchestrator answers and every
 * autostart agent (or the named agent) is up — `ready`, `running` or
 * `completed` — then exits 0; exits 1 at once when one of them is `failed`
 * or `fatal` (it can never come up by itself), and 3 at the timeout.
 *
 * @module
 */

import type { AgentStatus } from "../agent/info.ts";
import { ClientError } from "../control/client.ts";
import type { ControlResponse } from "../control/protocol.ts";
import {
  type ClientCommandSpec,
  helpText,
  type Invocation,
  parseInvocation,
  renderResponse,
  send,
  suggestAgent,
  unavailable,
} from "./client_command.ts";
import type { FormatOptions } from "./format.ts";
import { type CliResult, EXIT } from "./result.ts";
import { formatStatus, formatStatusAll } from "./views.ts";

/**
 * States that satisfy `--wait`: up (`running`, `ready`) or, for a task, run
 * to the end (`completed`). Wider than the core's `UP_STATES`, which a
 * completed task has left.
 */
export const WAIT_SATISFIED_STATES: readonly string[] = ["ready", "running", "completed"];

/**
 * States an agent never leaves by itself: `--wait` gives up on them at once.
 * (`backoff` may still come up; `stopped` is left to whoever stopped it.)
 */
export const GIVEN_UP_STATES: readonly string[] = ["failed", "fatal"];

/** Default `--timeout` of `--wait`, in seconds. */
export const DEFAULT_WAIT_SECONDS = 60;

/** The `status` command. */
export const spec: ClientCommandSpec = {
  name: "status",
  agent: "optional",
  flags: [{
    name: "wait",
    type: "boolean",
    help: "Retry until every autostart agent (or the named one) is up; exit 1 at once when " +
      `one is failed or fatal, 3 at --timeout (default ${DEFAULT_WAIT_SECONDS} s)`,
  }],
  format(data: AgentStatus | { agents: AgentStatus[] }, o: FormatOptions) {
    return "agents" in data ? formatStatusAll(data, o) : formatStatus(data, o);
  },
};

/**
 * Which agents are not up yet in a `status` answer: every autostart agent
 * for a `{agents}` answer, the agent itself for a single status.
 */
export function notUp(data: AgentStatus | { agents: AgentStatus[] }): string[] {
  const agents = "agents" in data ? data.agents.filter((a) => a.autostart) : [data];
  return agents.filter((a) => !WAIT_SATISFIED_STATES.includes(a.state)).map((a) =>
    `${a.name} (${a.state})`
  );
}

/**
 * The agents `--wait` waits for (every autostart agent, or the named one)
 * that can never come up by themselves, with their reasons:
 * `"db" is fatal (exited with code 1; restarted 5 times within 60 s)`.
 */
export function neverUp(data: AgentStatus | { agents: AgentStatus[] }): string[] {
  const agents = "agents" in data ? data.agents.filter((a) => a.autostart) : [data];
  return agents.filter((a) => GIVEN_UP_STATES.includes(a.state)).map((a) =>
    `${JSON.stringify(a.name)} is ${a.state}${
      a.reason === null || a.reason === undefined || a.reason === "" ? "" : ` (${a.reason})`
    }`
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function wait(inv: Invocation): Promise<CliResult> {
  const deadline = performance.now() + inv.timeoutMs;
  let last = `cannot connect to "${inv.socket}"`;
  let response: ControlResponse | undefined;
  for (;;) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    try {
      response = await send({ ...inv, timeoutMs: remaining }, { command: "status" });
      if (response.status === "success") {
        const data = response.data as AgentStatus | { agents: AgentStatus[] };
        const waiting = notUp(data);
        if (waiting.length === 0) return renderResponse(spec, response, inv);
        const never = neverUp(data);
        if (never.length > 0) {
          return {
            exitCode: EXIT.error,
            stdout: inv.json ? JSON.stringify(response) : undefined,
            stderr: `Not waiting: ${never.join(", ")}, and cannot come up by ${
              never.length === 1 ? "itself" : "themselves"
            }`,
          };
        }
        last = `not up: ${waiting.join(", ")}`;
      } else if (response.code === 503) {
        last = response.error;
      } else {
        return renderResponse(spec, response, inv);
      }
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      // An attempt cut short by the deadline says less than the answer before it.
      if (error.kind !== "timeout" || response === undefined) last = error.message;
    }
    await sleep(Math.min(200, Math.max(0, deadline - performance.now())));
  }
  const seconds = inv.timeoutMs / 1000;
  return {
    exitCode: EXIT.unavailable,
    stdout: inv.json && response !== undefined ? JSON.stringify(response) : undefined,
    stderr: `Timed out after ${seconds} s waiting for the orchestrator: ${last}`,
  };
}

/** Runs `orchestrator status`. */
export async function main(argv: string[]): Promise<CliResult> {
  const waitFlag = argv.includes("--wait");
  const inv = await parseInvocation(spec, argv, waitFlag ? DEFAULT_WAIT_SECONDS : 60);
  if (inv === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  if (inv.args.flags.wait === true) return wait(inv);
  try {
    const response = await send(inv, { command: "status" });
    return renderResponse(spec, await suggestAgent(inv, response), inv);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
