/**
 * User regular expressions must compile on the linear-time engine
 * (`lib/pattern.ts`): `readiness.log_pattern`, and every `pattern` and
 * `patternProperties` key of an agent's `inputs` schema. A refused pattern
 * is an error at its field, with the offset inside the pattern
 * (docs/config.md, "Patterns").
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { compilePattern, describePatternError } from "../../pattern.ts";
import { fieldIndex, fieldKey, items, keyNodeOf, properties, stringOf } from "../nodes.ts";

/** Reports `source` at `node` when the engine refuses it; true when refused. */
export function checkPattern(
  ctx: RuleContext,
  node: Node | undefined,
  field: string,
  source: string,
): boolean {
  const compiled = compilePattern(source);
  if (compiled.ok) return false;
  ctx.error(field, node, describePatternError(source, compiled));
  return true;
}

/** Keywords whose value is one subschema. */
const ONE_SCHEMA = [
  "additionalItems",
  "additionalProperties",
  "contains",
  "propertyNames",
  "not",
  "if",
  "then",
  "else",
] as const;

/** Keywords whose value is an array of subschemas. */
const SCHEMA_LIST = ["allOf", "anyOf", "oneOf"] as const;

/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP = ["properties", "definitions", "$defs", "dependencies"] as const;

/**
 * Checks every `pattern` and `patternProperties` key of the JSON Schema at
 * `node` and its subschemas. Returns how many were refused.
 */
export function checkSchemaPatterns(ctx: RuleContext, node: Node, field: string): number {
  if (node.type !== "object") return 0;
  const p = properties(node);
  let refused = 0;
  const pattern = stringOf(p.get("pattern"));
  if (pattern !== undefined) {
    if (checkPattern(ctx, p.get("pattern"), `${field}.pattern`, pattern)) refused++;
  }
  const patternProps = p.get("patternProperties");
  for (const [key, child] of properties(patternProps)) {
    const keyField = fieldKey(`${field}.patternProperties`, key);
    if (checkPattern(ctx, keyNodeOf(child), keyField, key)) refused++;
    refused += checkSchemaPatterns(ctx, child, keyField);
  }
  for (const keyword of ONE_SCHEMA) {
    const child = p.get(keyword);
    if (child !== undefined) refused += checkSchemaPatterns(ctx, child, `${field}.${keyword}`);
  }
  const itemsNode = p.get("items");
  if (itemsNode?.type === "array") {
    items(itemsNode).forEach((child, i) => {
      refused += checkSchemaPatterns(ctx, child, fieldIndex(`${field}.items`, i));
    });
  } else if (itemsNode !== undefined) {
    refused += checkSchemaPatterns(ctx, itemsNode, `${field}.items`);
  }
  for (const keyword of SCHEMA_LIST) {
    items(p.get(keyword)).forEach((child, i) => {
      refused += checkSchemaPatterns(ctx, child, fieldIndex(`${field}.${keyword}`, i));
    });
  }
  for (const keyword of SCHEMA_MAP) {
    for (const [key, child] of properties(p.get(keyword))) {
      refused += checkSchemaPatterns(ctx, child, fieldKey(`${field}.${keyword}`, key));
    }
  }
  return refused;
}
