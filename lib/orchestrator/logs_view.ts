/**
 * The `logs` view of an agent (docs/protocol.md): the newest lines cut from
 * its captured bytes, the per-stream counters, and the bytes its `log_dir`
 * files lost. Pure.
 *
 * @module
 */

import type { AgentLogs } from "../agent/info.ts";
import type { StreamCounters } from "../agent/captured_stream.ts";
import type { Agent } from "./agent.ts";

const NONE: StreamCounters = { bytes: 0, dropped_bytes: 0, cut_lines: 0 };

/** The newest `lines` lines of each stream of `agent` and its counters. */
export function agentLogs(agent: Agent, lines: number): AgentLogs {
  const n = Number.isFinite(lines) ? Math.max(0, Math.floor(lines)) : 100;
  return {
    agent_name: agent.config.name,
    stdout: agent.out?.lines(n) ?? [],
    stderr: agent.err?.lines(n) ?? [],
    truncated: (agent.out?.truncated ?? false) || (agent.err?.truncated ?? false),
    counters: {
      stdout: agent.out?.counters() ?? { ...NONE },
      stderr: agent.err?.counters() ?? { ...NONE },
    },
    lost_bytes: {
      stdout: agent.outFile?.lostBytes ?? 0,
      stderr: agent.errFile?.lostBytes ?? 0,
    },
  };
}
