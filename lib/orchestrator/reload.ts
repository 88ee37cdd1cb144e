/**
 * Applying a reload to the running agents (docs/operations.md, "Changing
 * the config"), through the supervisor's own moves (`stop`, `queue`,
 * `schedule`), so every state change still goes through its one writer:
 *
 * 1. The agents to remove and the changed agents to restart are held (their
 *    stops fail no dependent; commands on them answer 409).
 * 2. Agents whose changes need no new process, and changed agents with no
 *    process to replace, get their new config at once (same pid).
 * 3. The supervisor switches to the new config: agents in its order (kept
 *    records reused, added ones new), the new dependency graph.
 * 4. Added `autostart` agents are queued, in dependency order.
 * 5. Held agents are stopped in reverse dependency order (of the old
 *    config); a removed one is then forgotten, a changed one gets its new
 *    config and is queued again.
 *
 * @module
 */

import type { OrchestratorConfig } from "../config/types.ts";
import { isSettled } from "../agent/state.ts";
import { type Agent, newAgent } from "./agent.ts";
import { stopInOrder } from "./graph.ts";
import type { ReloadPlan } from "./reload_plan.ts";
import type { Supervisor } from "./supervisor.ts";

/** The reason of the moves a reload makes, as events and `status` show it. */
export const RELOAD_REASONS = {
  added: "reload: added to the config",
  changed: "reload: config changed",
  removed: "reload: removed from the config",
} as const;

/**
 * Applies `plan` (computed against the supervisor's config) so the
 * supervisor runs `config`, restarting the agents named in `restart`.
 * Resolves once every held agent is stopped and every restarted or added
 * agent is queued (started when a worker slot and its dependencies allow).
 * Before boot (`booted` false) nothing is queued: boot does it.
 */
export async function applyReload(
  sup: Supervisor,
  change: { config: OrchestratorConfig; plan: ReloadPlan; restart: readonly string[] },
  options: { booted: boolean },
): Promise<void> {
  const { config, plan } = change;
  const before = sup.byName;
  const next = new Map(config.agents.map((a) => [a.name, a]));
  const removed = plan.removed.map((name) => before.get(name)!);
  const held: Agent[] = [...removed];
  for (const agent of removed) sup.hold(agent, "remove");
  for (const name of change.restart) {
    const agent = before.get(name)!;
    sup.hold(agent, "restart");
    held.push(agent);
  }
  const heldSet = new Set(held);
  const stopFirst = new Map(
    held.map((a) => [a, sup.dependentsOf(a).filter((d) => heldSet.has(d))]),
  );
  for (const name of [...plan.updated_in_place, ...plan.changed]) {
    const agent = before.get(name)!;
    if (sup.heldFor(agent) === undefined) sup.replaceConfig(agent, next.get(name)!);
  }
  const agents = config.agents.map((c, index) => before.get(c.name) ?? newAgent(c, index));
  sup.reconfigure(config, agents, removed);
  if (options.booted) {
    const added = new Set(plan.added);
    for (const agent of sup.order) {
      const wanted = added.has(agent.config.name) && agent.config.autostart;
      // stopped -> pending: added with autostart (its stopped dependencies with it)
      if (wanted && agent.state === "stopped") sup.queue(agent, undefined, RELOAD_REASONS.added);
    }
    sup.schedule();
  }
  await stopInOrder(held, (agent) => stopFirst.get(agent) ?? [], async (agent) => {
    const why = sup.heldFor(agent);
    await sup.stop(agent, why === "remove" ? RELOAD_REASONS.removed : RELOAD_REASONS.changed);
    if (why === "remove") {
      sup.forget(agent);
      return;
    }
    sup.replaceConfig(agent, next.get(agent.config.name)!);
    sup.release(agent);
    if (!options.booted || sup.stopping || !isSettled(agent.state)) return;
    // stopped -> pending: restarted with its new config
    sup.queue(agent, undefined, RELOAD_REASONS.changed);
    sup.schedule();
  });
}
