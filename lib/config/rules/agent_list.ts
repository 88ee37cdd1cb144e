/**
 * Iteration over the agents of a document.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import { items, properties } from "../nodes.ts";

/** One agent object of the document, with its index and properties. */
export interface AgentNode {
  index: number;
  /** `agents[3]`. */
  field: string;
  node: Node;
  props: ReadonlyMap<string, Node>;
}

/** Agent objects of `root` (non-objects are skipped: the structure check reports them). */
export function agentNodes(root: Node): AgentNode[] {
  const out: AgentNode[] = [];
  items(properties(root).get("agents")).forEach((node, index) => {
    if (node.type === "object") {
      out.push({ index, field: `agents[${index}]`, node, props: properties(node) });
    }
  });
  return out;
}
