/**
 * `orchestrator __complete agents [--socket PATH] [--config FILE]
 * [--timeout S]`: the hidden command the shell completion scripts call.
 * Prints the agent names of a running orchestrator, one per line, within
 * `--timeout` (default 1 s). Quiet by design: whatever fails (bad flags, no
 * orchestrator, an error answer) prints nothing and exits 1.
 *
 * @module
 */

import { ControlClient } from "../control/client.ts";
import { COMMON_FLAGS, parseFlags, timeoutSeconds } from "./flags.ts";
import { type CliResult, EXIT } from "./result.ts";
import { resolveSocket, splitPositionals } from "./socket_target.ts";

/** Default `--timeout` of a completion, in seconds: a slow TAB is worse than none. */
export const COMPLETE_TIMEOUT_SECONDS = 1;

async function agentNames(argv: readonly string[]): Promise<string[]> {
  const args = parseFlags(argv, COMMON_FLAGS);
  const { socket } = splitPositionals(args.positionals);
  const target = await resolveSocket(args, socket);
  const ms = timeoutSeconds(args, COMPLETE_TIMEOUT_SECONDS) * 1000;
  const signal = AbortSignal.timeout(Math.max(1, Math.round(ms)));
  const client = await ControlClient.connect(target.path, { signal });
  try {
    const ps = await client.request("ps");
    if (ps.status !== "success") return [];
    const agents = (ps.data as { agents?: { name?: unknown }[] } | null)?.agents ?? [];
    return agents.flatMap((a) => typeof a.name === "string" ? [a.name] : []);
  } finally {
    client.close();
  }
}

/** Runs `orchestrator __complete <what> …`. */
export async function main(argv: string[]): Promise<CliResult> {
  const [what, ...rest] = argv;
  if (what !== "agents") return { exitCode: EXIT.error };
  try {
    const names = await agentNames(rest);
    return names.length === 0
      ? { exitCode: EXIT.error }
      : { exitCode: EXIT.ok, stdout: names.join("\n") };
  } catch {
    return { exitCode: EXIT.error };
  }
}
