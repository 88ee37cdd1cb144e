/**
 * Stop time against the command timeout: `stop` and `restart` answer once
 * the agent has stopped, so an agent that may take longer than
 * `command_timeout` to stop gets a 504 while it is still stopping
 * (docs/config.md, "Checks").
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { ORCHESTRATOR_DEFAULTS } from "../defaults.ts";
import { numberOf, properties, quote, stringOf } from "../nodes.ts";
import { agentNodes } from "./agent_list.ts";
import { allowedCommands, interfaceEnabled } from "./orchestrator.ts";

/**
 * Warns at each `stop_timeout` above `command_timeout`, and at
 * `shutdown_timeout` (the default stop time) when it is above and an agent
 * has no `stop_timeout` of its own. Only when the socket is on and `stop`
 * or `restart` is allowed.
 */
export function ruleStopTimeouts(ctx: RuleContext, root: Node): void {
  if (!interfaceEnabled(root)) return;
  const allowed = allowedCommands(root);
  const waiting = (["stop", "restart"] as const).filter((c) => allowed.has(c));
  if (waiting.length === 0) return;
  const p = properties(root);
  const limit = numberOf(p.get("command_timeout")) ?? ORCHESTRATOR_DEFAULTS.command_timeout;
  if (limit <= 0) return; // an error of its own
  const commands = waiting.map((c) => `"${c}"`).join(" and ");
  const inheriting: string[] = [];
  for (const agent of agentNodes(root)) {
    const node = agent.props.get("stop_timeout");
    const own = numberOf(node);
    if (node === undefined || node.type === "null") {
      inheriting.push(stringOf(agent.props.get("name")) ?? agent.field);
    } else if (own !== undefined && own > limit) {
      ctx.warning(
        `${agent.field}.stop_timeout`,
        node,
        `Stop timeout ${own} s is longer than command_timeout ${limit} s: ${commands} ` +
          "may answer 504 while the agent is still stopping",
      );
    }
  }
  const shutdownNode = p.get("shutdown_timeout");
  const shutdown = numberOf(shutdownNode) ?? ORCHESTRATOR_DEFAULTS.shutdown_timeout;
  if (shutdown > limit && inheriting.length > 0) {
    const names = inheriting.slice(0, 5).map(quote).join(", ") +
      (inheriting.length > 5 ? ` and ${inheriting.length - 5} more` : "");
    ctx.warning(
      shutdownNode === undefined ? "command_timeout" : "shutdown_timeout",
      shutdownNode ?? p.get("command_timeout"),
      `Agents without stop_timeout (${names}) get shutdown_timeout ${shutdown} s, longer than ` +
        `command_timeout ${limit} s: ${commands} may answer 504 while one is still stopping`,
    );
  }
}
