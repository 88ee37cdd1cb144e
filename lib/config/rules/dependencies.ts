/**
 * `depends_on`: every name must be an agent, and the graph must have no
 * cycle. Linear in agents + edges (iterative depth-first search).
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { fieldKey, keyNodeOf, properties, quote, stringOf } from "../nodes.ts";
import { suggest } from "../../suggest.ts";
import type { AgentNode } from "./agent_list.ts";

interface Edge {
  to: number;
  field: string;
  keyNode: Node | undefined;
}

/** Missing agents, self-dependencies, cycles, and conditions a service never meets. */
export function ruleDependencies(ctx: RuleContext, agents: AgentNode[]): void {
  const byName = new Map<string, number>();
  const kinds: string[] = [];
  const names: string[] = [];
  agents.forEach((a, i) => {
    const name = stringOf(a.props.get("name")) ?? "";
    names.push(name);
    kinds.push(stringOf(a.props.get("kind")) ?? "service");
    if (name !== "" && !byName.has(name)) byName.set(name, i);
  });
  const edges: Edge[][] = agents.map(() => []);
  agents.forEach((agent, i) => {
    const deps = agent.props.get("depends_on");
    if (deps?.type !== "object") return;
    for (const [dep, condNode] of properties(deps)) {
      const field = fieldKey(`${agent.field}.depends_on`, dep);
      const keyNode = keyNodeOf(condNode);
      const target = byName.get(dep);
      if (target === undefined) {
        const hint = suggest(dep, byName.keys());
        ctx.error(
          field,
          keyNode,
          `Depends on unknown agent ${quote(dep)}${
            hint === undefined ? "" : `: did you mean ${JSON.stringify(hint)}?`
          }`,
        );
        continue;
      }
      if (target === i) {
        ctx.error(field, keyNode, `Agent ${quote(dep)} depends on itself`);
        continue;
      }
      const cond = stringOf(condNode);
      if (
        (cond === "completed" || cond === "completed_successfully") && kinds[target] === "service"
      ) {
        ctx.warning(
          field,
          condNode,
          `Waits for service ${quote(dep)} to complete: a service is not expected to exit`,
        );
      }
      edges[i].push({ to: target, field, keyNode });
    }
  });
  findCycles(ctx, names, edges);
}

/** Most cycles reported (keeps a hostile graph linear). */
const MAX_CYCLES = 20;

/** Reports each cycle once, at the edge that closes it. */
function findCycles(ctx: RuleContext, names: string[], edges: Edge[][]): void {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Uint8Array(edges.length);
  const stack: number[] = [];
  const next: number[] = [];
  let reported = 0;
  for (let start = 0; start < edges.length; start++) {
    if (color[start] !== WHITE) continue;
    stack.push(start);
    next.push(0);
    color[start] = GREY;
    while (stack.length > 0) {
      const top = stack.length - 1;
      const v = stack[top];
      const i = next[top]++;
      if (i >= edges[v].length) {
        color[v] = BLACK;
        stack.pop();
        next.pop();
        continue;
      }
      const edge = edges[v][i];
      if (color[edge.to] === WHITE) {
        color[edge.to] = GREY;
        stack.push(edge.to);
        next.push(0);
      } else if (color[edge.to] === GREY && reported++ < MAX_CYCLES) {
        const from = stack.lastIndexOf(edge.to);
        const cycle = [...stack.slice(from), edge.to].map((n) => names[n]);
        const path = cycle.length > 20
          ? [...cycle.slice(0, 10), "…", ...cycle.slice(-10)].join(" -> ")
          : cycle.join(" -> ");
        ctx.error(edge.field, edge.keyNode, `Dependency cycle: ${path}`);
      }
    }
  }
}
