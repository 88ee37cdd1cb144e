/**
 * Small readers over `jsonc-parser` nodes and field paths. Every rule reads
 * the tree through these, so a value of the wrong type simply reads as
 * `undefined` (the structure check reports it once).
 *
 * @module
 */

import type { Node } from "jsonc-parser";

/** JSON type of a node: `integer` for whole numbers. */
export type JsonType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

/** The JSON type of `node`. */
export function jsonType(node: Node): JsonType {
  if (node.type === "number") return Number.isInteger(node.value) ? "integer" : "number";
  if (node.type === "property") return "object";
  return node.type;
}

const EMPTY: ReadonlyMap<string, Node> = new Map();
const cache = new WeakMap<Node, Map<string, Node>>();

/**
 * Property value nodes of an object node, by key (the last of duplicate
 * keys wins). Cached per node: rules ask for the same objects many times.
 */
export function properties(node: Node | undefined): ReadonlyMap<string, Node> {
  if (node?.type !== "object") return EMPTY;
  const hit = cache.get(node);
  if (hit !== undefined) return hit;
  const map = new Map<string, Node>();
  cache.set(node, map);
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (key?.type === "string" && value !== undefined) map.set(key.value, value);
  }
  return map;
}

/** Items of an array node (empty for anything else). */
export function items(node: Node | undefined): Node[] {
  return node?.type === "array" ? node.children ?? [] : [];
}

/** The string value, or `undefined` when `node` is not a string. */
export function stringOf(node: Node | undefined): string | undefined {
  return node?.type === "string" ? node.value : undefined;
}

/** The number value, or `undefined` when `node` is not a number. */
export function numberOf(node: Node | undefined): number | undefined {
  return node?.type === "number" ? node.value : undefined;
}

/** The boolean value, or `undefined` when `node` is not a boolean. */
export function booleanOf(node: Node | undefined): boolean | undefined {
  return node?.type === "boolean" ? node.value : undefined;
}

/** The key node of a property value node (for unknown-key positions). */
export function keyNodeOf(valueNode: Node): Node | undefined {
  const parent = valueNode.parent;
  return parent?.type === "property" ? parent.children?.[0] : undefined;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `parent.key`, or `parent["odd key"]` when the key is not identifier-like. */
export function fieldKey(parent: string, key: string): string {
  if (IDENTIFIER.test(key) && key.length <= 64) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${quote(key)}]`;
}

/** `parent[index]`. */
export function fieldIndex(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Longest quoted value in a message. */
const QUOTE_MAX = 60;

/**
 * A value quoted for a message: JSON string syntax (control characters
 * escaped), shortened with `…` when long.
 */
export function quote(value: string): string {
  const short = value.length > QUOTE_MAX ? value.slice(0, QUOTE_MAX) + "…" : value;
  return JSON.stringify(short);
}

function describe(node: Node): string {
  const t = jsonType(node);
  if (t === "string") return `string ${quote(node.value)}`;
  if (t === "number" || t === "integer") return `number ${node.value}`;
  if (t === "boolean") return String(node.value);
  return t;
}

function article(types: readonly string[]): string {
  return types.map((t) => t === "null" ? "null" : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)
    .join(" or ");
}

/**
 * The message for a value of the wrong type.
 *
 * @example
 * ```ts
 * typeMismatch(["string"], node); // 'Expected a string, got number 5'
 * ```
 */
export function typeMismatch(expected: readonly string[], node: Node): string {
  return `Expected ${article(expected)}, got ${describe(node)}`;
}

/** Why a document's top level cannot be a config (it is not an object), or `null`. */
export function rootProblem(root: Node): string | null {
  return root.type === "object" ? null : `The config must be an object, got ${root.type}`;
}
