/**
 * The structure check: walks the document against {@link CONFIG_SCHEMA}
 * (the subset it uses: `type`, `enum`, `properties`, `additionalProperties`,
 * `required`, `items`, `anyOf`, `$ref`) and reports wrong types, values
 * outside an enum, missing required keys, unknown keys (with suggestions)
 * and duplicate keys. Ranges and cross-field checks are rules (`rules/`).
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "./context.ts";
import { CONFIG_SCHEMA } from "./schema.ts";
import { fieldIndex, fieldKey, type JsonType, jsonType, quote, typeMismatch } from "./nodes.ts";
import { suggest } from "../suggest.ts";

type Schema = { readonly [key: string]: unknown };

const ROOT = CONFIG_SCHEMA as unknown as Schema;

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/definitions/", "");
  return (ROOT.definitions as Record<string, Schema>)[name];
}

function typesOf(schema: Schema): readonly string[] | undefined {
  const t = schema.type;
  if (t === undefined) return undefined;
  return typeof t === "string" ? [t] : t as readonly string[];
}

function accepts(types: readonly string[] | undefined, actual: JsonType): boolean {
  if (types === undefined) return true;
  return types.includes(actual) || (actual === "integer" && types.includes("number"));
}

/** The result of the structure check, used to build the config. */
export interface StructureInfo {
  /** Property value nodes dropped from the config (unknown keys, `$schema`). */
  ignored: Set<Node>;
}

/** Checks `root` against the config schema, adding results to `ctx`. */
export function checkStructure(ctx: RuleContext, root: Node): StructureInfo {
  const info: StructureInfo = { ignored: new Set() };
  walk(ctx, info, root, ROOT, "");
  return info;
}

function walk(ctx: RuleContext, info: StructureInfo, node: Node, raw: Schema, field: string) {
  const schema = resolve(raw);
  const actual = jsonType(node);
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as Schema[]).map(resolve);
    const match = branches.find((b) => accepts(typesOf(b), actual));
    if (match === undefined) {
      const expected = branches.flatMap((b) => typesOf(b) ?? []);
      ctx.error(field, node, typeMismatch(expected, node));
      return;
    }
    walk(ctx, info, node, match, field);
    return;
  }
  const types = typesOf(schema);
  if (!accepts(types, actual)) {
    ctx.error(field, node, typeMismatch(types ?? [], node));
    return;
  }
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(node.value)) {
    const options = schema.enum as string[];
    const value = typeof node.value === "string" ? quote(node.value) : String(node.value);
    const hint = typeof node.value === "string" ? suggest(node.value, options) : undefined;
    ctx.error(
      field,
      node,
      hint !== undefined
        ? `Invalid value ${value}: did you mean ${JSON.stringify(hint)}?`
        : `Invalid value ${value}: expected one of ${
          options.map((o) => JSON.stringify(o)).join(", ")
        }`,
    );
    return;
  }
  if (actual === "object") walkObject(ctx, info, node, schema, field);
  else if (actual === "array" && schema.items !== undefined) {
    const itemSchema = schema.items as Schema;
    (node.children ?? []).forEach((child, i) =>
      walk(ctx, info, child, itemSchema, fieldIndex(field, i))
    );
  }
}

function walkObject(
  ctx: RuleContext,
  info: StructureInfo,
  node: Node,
  schema: Schema,
  field: string,
): void {
  const props = schema.properties as Record<string, Schema> | undefined;
  const extra = schema.additionalProperties as Schema | false | undefined;
  const seen = new Set<string>();
  for (const prop of node.children ?? []) {
    const [keyNode, valueNode] = prop.children ?? [];
    if (keyNode === undefined || valueNode === undefined) continue;
    const key: string = keyNode.value;
    const path = fieldKey(field, key);
    if (seen.has(key)) {
      ctx.warning(path, keyNode, `Duplicate key ${quote(key)}: the last one wins`);
    }
    seen.add(key);
    if (props !== undefined && Object.hasOwn(props, key)) {
      if (field === "" && key === "$schema") info.ignored.add(valueNode);
      walk(ctx, info, valueNode, props[key], path);
    } else if (extra === false) {
      info.ignored.add(valueNode);
      const hint = ctx.full ? "" : unknownKeyHint(key, props ?? {});
      ctx.error(path, keyNode, `Unknown key ${quote(key)}${hint}`);
    } else if (extra !== undefined) {
      walk(ctx, info, valueNode, extra, path);
    }
  }
  for (const key of (schema.required as string[] | undefined) ?? []) {
    if (!seen.has(key)) ctx.error(field, node, `Missing required key ${JSON.stringify(key)}`);
  }
}

function unknownKeyHint(key: string, props: Record<string, Schema>): string {
  const hint = suggest(key, Object.keys(props));
  if (hint !== undefined) return `: did you mean ${JSON.stringify(hint)}?`;
  // An agent key that belongs in its call template (e.g. "command", "args").
  if (Object.hasOwn(props, "tool_call_template")) {
    const template = resolve({ $ref: "#/definitions/call_template" }).properties as Schema;
    if (Object.hasOwn(template, key)) return `: it belongs in "tool_call_template"`;
  }
  return "";
}
