/**
 * `inputs` must be a JSON Schema and `values` must match it (ajv, every
 * error, each mapped to the field of the offending value). Its patterns
 * must compile on the linear-time engine (`patterns.ts`). Compiled
 * validators are cached by schema text, so 5,000 agents sharing one
 * `inputs` compile it once.
 *
 * @module
 */

import type { ErrorObject } from "ajv";
import { compileSchema } from "../../json_schema.ts";
import type { Node } from "jsonc-parser";
import { getNodeValue } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { fieldIndex, fieldKey, items, keyNodeOf, properties, stringOf } from "../nodes.ts";
import type { AgentNode } from "./agent_list.ts";
import { checkSchemaPatterns } from "./patterns.ts";

/** Most ajv errors reported per agent. */
const MAX_ERRORS = 20;

/** Walks a JSON pointer from `node`; returns the deepest node reached and its field. */
function locate(node: Node, field: string, pointer: string): { node: Node; field: string } {
  let current = node;
  let path = field;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    let next: Node | undefined;
    let nextField: string;
    if (current.type === "array") {
      next = items(current)[Number(segment)];
      nextField = fieldIndex(path, Number(segment));
    } else {
      next = properties(current).get(segment);
      nextField = fieldKey(path, segment);
    }
    if (next === undefined) return { node: current, field: path };
    current = next;
    path = nextField;
  }
  return { node: current, field: path };
}

function describe(e: ErrorObject): string {
  if (e.keyword === "enum" && Array.isArray(e.params.allowedValues)) {
    const allowed = (e.params.allowedValues as unknown[]).slice(0, 10).map((v) =>
      JSON.stringify(v)
    );
    return `must be one of ${allowed.join(", ")}`;
  }
  return e.message ?? e.keyword;
}

/** `inputs` is a valid JSON Schema and `values` matches it. */
export function ruleInputs(ctx: RuleContext, agents: AgentNode[]): void {
  for (const agent of agents) {
    const inputsNode = agent.props.get("inputs");
    if (inputsNode === undefined || inputsNode.type === "null") continue;
    if (inputsNode.type !== "object" && inputsNode.type !== "boolean") continue;
    const field = `${agent.field}.inputs`;
    let schema = getNodeValue(inputsNode);
    const declared = stringOf(properties(inputsNode).get("$schema"));
    if (declared !== undefined && !declared.includes("draft-07")) {
      const { $schema: _, ...rest } = schema;
      schema = rest;
      ctx.info(
        `${field}.$schema`,
        properties(inputsNode).get("$schema"),
        "inputs are checked as JSON Schema draft-07",
      );
    }
    // A refused pattern is reported at its field; ajv's compile error would repeat it.
    const refused = checkSchemaPatterns(ctx, inputsNode, field);
    const compiled = compileSchema(schema);
    if (!compiled.ok) {
      if (compiled.errors.length === 0 && refused === 0) {
        ctx.error(
          field,
          inputsNode,
          `inputs is not a valid JSON Schema: ${compiled.message.slice(0, 200)}`,
        );
      }
      const seen = new Set<string>();
      for (const e of compiled.errors) {
        // The meta-schema's anyOf reports one field several times: keep the first.
        if (seen.has(e.instancePath) || seen.size >= MAX_ERRORS) continue;
        seen.add(e.instancePath);
        const at = locate(inputsNode, field, e.instancePath);
        ctx.error(at.field, at.node, `inputs is not a valid JSON Schema: ${describe(e)}`);
      }
      continue;
    }
    const valuesNode = agent.props.get("values");
    if (valuesNode !== undefined && valuesNode.type !== "object") continue;
    const values = valuesNode === undefined ? {} : getNodeValue(valuesNode);
    if (compiled.validate(values)) continue;
    const isTask = stringOf(agent.props.get("kind")) === "task";
    const anchor = valuesNode ?? inputsNode;
    const base = `${agent.field}.values`;
    let reported = 0;
    for (const e of compiled.validate.errors ?? []) {
      // Tasks get required inputs at call time; values only provide defaults.
      if (e.keyword === "required" && isTask) continue;
      if (reported++ >= MAX_ERRORS) break;
      const at = valuesNode === undefined
        ? { node: anchor, field: base }
        : locate(valuesNode, base, e.instancePath);
      if (e.keyword === "required" || e.keyword === "additionalProperties") {
        const key = String(e.params.missingProperty ?? e.params.additionalProperty);
        const keyField = fieldKey(at.field, key);
        const child = properties(at.node).get(key);
        const node = child === undefined ? at.node : keyNodeOf(child) ?? at.node;
        ctx.error(keyField, node, `Does not match inputs: ${describe(e)}`);
      } else {
        ctx.error(at.field, at.node, `Does not match inputs: ${describe(e)}`);
      }
    }
  }
}
