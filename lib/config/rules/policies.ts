/**
 * Rules on `command_socket_verify_peer` and `command_policies`
 * (docs/config.md; docs/systemd.md, "Per-user and per-group policy"):
 * policies decide on the verified caller, so they need a verified socket;
 * an entry must name someone; ids are not negative; and, with filesystem
 * checks on, names this machine does not know are pointed out.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { booleanOf, fieldIndex, fieldKey, items, properties, quote } from "../nodes.ts";
import { groupId, userEntry } from "../../users.ts";

/** Checks the command policies against the socket option and this machine's accounts. */
export function rulePolicies(ctx: RuleContext, root: Node): void {
  const p = properties(root);
  const node = p.get("command_policies");
  const entries = items(node);
  if (entries.length > 0 && booleanOf(p.get("command_socket_verify_peer")) !== true) {
    ctx.error(
      "command_policies",
      node,
      'Command policies decide on the verified caller: set "command_socket_verify_peer": true, ' +
        "so callers are verified on a socket the orchestrator binds too",
    );
  }
  entries.forEach((entry, i) => {
    if (entry.type !== "object") return;
    const field = fieldIndex("command_policies", i);
    const e = properties(entry);
    const users = items(e.get("users"));
    const groups = items(e.get("groups"));
    if (users.length === 0 && groups.length === 0) {
      ctx.error(field, entry, "Policy names no user and no group: it matches nobody");
    }
    users.forEach((n, j) => checkId(ctx, fieldIndex(fieldKey(field, "users"), j), n, "user"));
    groups.forEach((n, j) => checkId(ctx, fieldIndex(fieldKey(field, "groups"), j), n, "group"));
  });
}

function checkId(ctx: RuleContext, field: string, node: Node, kind: "user" | "group"): void {
  if (node.type === "number") {
    if (!Number.isInteger(node.value) || node.value < 0 || node.value > 0xffffffff) {
      ctx.error(field, node, `Invalid ${kind} id ${node.value}: expected 0 to 4294967295`);
    }
    return;
  }
  if (node.type !== "string") return;
  const name: string = node.value;
  if (name === "") {
    ctx.error(field, node, `Empty ${kind} name`);
    return;
  }
  if (ctx.fs === undefined) return;
  const known = kind === "user" ? userEntry(name) !== undefined : groupId(name) !== undefined;
  if (known) return;
  const where = kind === "user" ? "/etc/passwd" : "/etc/group";
  const hint = /^[0-9]+$/.test(name) ? ` (for the ${kind} id write ${name} without quotes)` : "";
  ctx.warning(field, node, `No ${kind} named ${quote(name)} in ${where}${hint}`);
}
