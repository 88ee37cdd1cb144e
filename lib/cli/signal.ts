/**
 * `orchestrator signal <target>... <signal>`: sends a signal to the process
 * group of each agent (docs/protocol.md, `signal`). The signal is the last
 * operand: a name with or without `SIG`, in any case, or its number.
 *
 * @module
 */

import { ClientError } from "../control/client.ts";
import { parseSignal, PAUSE_SIGNALS, type SignalName } from "../protocol/signals.ts";
import {
  type ClientCommandSpec,
  helpText,
  type Invocation,
  isPlainName,
  loadTargets,
  parseInvocation,
  renderResponse,
  send,
  suggestAgent,
  unavailable,
} from "./client_command.ts";
import { type CliResult, EXIT, UsageError } from "./result.ts";
import { formatSignal } from "./views.ts";

/** The `signal` command. */
export const spec: ClientCommandSpec = {
  name: "signal",
  agent: "targets",
  operands: "<target>... <signal>",
  format: formatSignal,
  notes: "The signal is the last operand: a name with or without SIG, in any case (HUP, " +
    "SIGHUP, usr1), or a number from 1 to 31 (1 = SIGHUP). It goes to the agent's whole process " +
    "group; the agent's state does not change (exit 1 when it has no live process). SIGSTOP " +
    "and SIGCONT are refused: use pause and resume.",
};

/** The signal operand (the last one), checked; a usage error when it is missing or bad. */
export function signalOperand(operands: readonly string[]): SignalName {
  if (operands.length < 2) {
    throw new UsageError(
      'Command "signal" needs an agent and a signal: orchestrator signal <target>... <signal>',
    );
  }
  const text = operands[operands.length - 1];
  const signal = parseSignal(text);
  if (signal === null) {
    const hint = parseSignal(operands[0]) === null
      ? "give a name (HUP, SIGHUP) or a number from 1 to 31 as the last operand"
      : "the signal comes last (orchestrator signal <target>... <signal>)";
    throw new UsageError(`Unknown signal ${JSON.stringify(text)}: ${hint}`);
  }
  if (PAUSE_SIGNALS.includes(signal)) {
    throw new UsageError(`Signal "${signal}" is not sent by "signal": use "pause" and "resume"`);
  }
  return signal;
}

/** Runs `orchestrator signal`. */
export async function main(argv: string[]): Promise<CliResult> {
  const parsed = await parseInvocation(spec, argv);
  if (parsed === null) return { exitCode: EXIT.ok, stdout: helpText(spec) };
  const signal = signalOperand(parsed.targets);
  const targets = parsed.targets.slice(0, -1);
  const inv: Invocation = { ...parsed, targets, agent: undefined };
  if (targets.length === 1 && isPlainName(targets[0])) inv.agent = targets[0];
  try {
    if (inv.agent === undefined) {
      const line = (data: unknown) => formatSignal(data as never, inv.format);
      return await (await loadTargets()).runTargets(spec.name, inv, {
        options: {},
        args: [signal],
        line,
      });
    }
    const response = await send(inv, { command: spec.name, args: [inv.agent, signal] });
    return renderResponse(spec, await suggestAgent(inv, response), inv);
  } catch (error) {
    if (error instanceof ClientError) return unavailable(error);
    throw error;
  }
}
