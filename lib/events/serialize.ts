/**
 * Event data → JSON text, never throwing and never unbounded. Producers hand
 * the store whatever they have (cycles, BigInt, huge strings, objects whose
 * getters throw); what is stored is always a JSON object of at most
 * {@linkcode MAX_EVENT_DATA_BYTES} UTF-8 bytes.
 *
 * @module
 */

/** Largest stored `data`, in UTF-8 bytes of its JSON text (64 KiB). */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;

/** Nesting deeper than this is replaced by `"[Too deep]"`. */
export const MAX_EVENT_DATA_DEPTH = 32;

/** What replaces a reference back to an enclosing object. */
export const CIRCULAR_MARKER = "[Circular]";

/** What replaces nesting deeper than {@linkcode MAX_EVENT_DATA_DEPTH}. */
export const TOO_DEEP_MARKER = "[Too deep]";

/**
 * Returns the JSON text stored for an event's `data`: always a JSON object
 * of at most `maxBytes` UTF-8 bytes.
 *
 * - `undefined`/`null` → `{}`; a non-object (array, string …) → `{"value": …}`.
 * - BigInt → its decimal string; a cycle → `"[Circular]"`; nesting deeper
 *   than 32 → `"[Too deep]"`; an `Error` → `{name, message}`.
 * - If the text is too large, strings longer than `maxBytes / 8` characters
 *   are cut with a `…[truncated N chars]` tail; if it is still too large: `{"_truncated": true,
 *   "_original_bytes": N, "_preview": "<start of the JSON text>"}`.
 * - If serialising throws (a getter or `toJSON` that throws):
 *   `{"_unserializable": "<error message>"}`.
 *
 * @example
 * ```ts
 * const a: Record<string, unknown> = { n: 1n };
 * a.self = a;
 * encodeEventData(a); // '{"n":"1","self":"[Circular]"}'
 * ```
 */
export function encodeEventData(data: unknown, maxBytes: number = MAX_EVENT_DATA_BYTES): string {
  const value = isPlainRecord(data)
    ? data
    : data === undefined || data === null
    ? {}
    : { value: data };
  let json: string | undefined;
  try {
    json = JSON.stringify(value, carefulReplacer(null));
    if (json !== undefined && utf8Length(json) > maxBytes) {
      // Cut long strings (at most 6 bytes per char once escaped), then check again.
      json = JSON.stringify(value, carefulReplacer(Math.floor(maxBytes / 8)));
    }
  } catch (error) {
    return JSON.stringify({ _unserializable: describeError(error) });
  }
  if (json === undefined) return "{}";
  const bytes = utf8Length(json);
  return bytes <= maxBytes ? json : truncatedMarker(json, bytes, maxBytes);
}

/** UTF-8 length of a string, without allocating. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "unknown error";
  }
}

/**
 * A `JSON.stringify` replacer that tracks the chain of enclosing objects (the
 * holder is `this`), so only true cycles are marked, not shared references.
 */
function carefulReplacer(
  maxStringChars: number | null,
): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "string") {
      return maxStringChars !== null && value.length > maxStringChars
        ? cutString(value, maxStringChars)
        : value;
    }
    if (typeof value !== "object" || value === null) return value;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return CIRCULAR_MARKER;
    if (ancestors.length >= MAX_EVENT_DATA_DEPTH) return TOO_DEEP_MARKER;
    ancestors.push(value);
    if (value instanceof Error) return { name: value.name, message: value.message };
    return value;
  };
}

function cutString(text: string, maxChars: number): string {
  const keep = safeSliceEnd(text, maxChars);
  return `${text.slice(0, keep)}…[truncated ${text.length - keep} chars]`;
}

/** An end index that does not split a surrogate pair. */
function safeSliceEnd(text: string, end: number): number {
  if (end <= 0 || end >= text.length) return Math.max(0, Math.min(end, text.length));
  const c = text.charCodeAt(end - 1);
  return c >= 0xd800 && c <= 0xdbff ? end - 1 : end;
}

function truncatedMarker(json: string, bytes: number, maxBytes: number): string {
  let chars = Math.floor(maxBytes / 2);
  for (;;) {
    const preview = json.slice(0, safeSliceEnd(json, chars));
    const marker = JSON.stringify({ _truncated: true, _original_bytes: bytes, _preview: preview });
    if (utf8Length(marker) <= maxBytes || chars === 0) return marker;
    chars = Math.floor(chars / 2);
  }
}

/** What {@linkcode encodeEventDataFast} returns. */
export interface EncodedEventData {
  /** The stored JSON text, exactly as {@linkcode encodeEventData} returns it. */
  json: string;
  /** A fresh object equal to `JSON.parse(json)`, or `null` when the caller must parse. */
  data: Record<string, unknown> | null;
}

/** Deepest nesting and most values the fast path of {@linkcode encodeEventDataFast} takes. */
const FAST_MAX_DEPTH = 8;
const FAST_MAX_VALUES = 1000;
const NOT_SIMPLE = Symbol("not simple");

/**
 * Same result as {@linkcode encodeEventData}, faster for the usual case: a
 * plain object of strings, finite numbers, booleans, `null` and plain
 * objects/arrays of those (at most 8 deep, 1,000 values, within the size
 * limit) is copied in one walk and serialised without a replacer; the copy is
 * returned as `data` (it equals `JSON.parse(json)`). Anything else takes the
 * careful path and returns `data: null`.
 */
export function encodeEventDataFast(
  data: unknown,
  maxBytes: number = MAX_EVENT_DATA_BYTES,
): EncodedEventData {
  if (data === undefined || data === null) return { json: "{}", data: {} };
  if (isPlainObject(data)) {
    let copy: unknown = NOT_SIMPLE;
    try {
      copy = simpleCopy(data, 0, { left: FAST_MAX_VALUES });
    } catch {
      // A getter threw: the careful path reports it.
    }
    if (copy !== NOT_SIMPLE) {
      const json = JSON.stringify(copy);
      if (json.length * 3 <= maxBytes || utf8Length(json) <= maxBytes) {
        return { json, data: copy as Record<string, unknown> };
      }
    }
  }
  return { json: encodeEventData(data, maxBytes), data: null };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON-equal copy of `value`, or {@linkcode NOT_SIMPLE} when serialising it
 * could change it (BigInt, undefined, functions, non-finite numbers, class
 * instances, `__proto__` keys) or it is too deep or too big (cycles end here too).
 */
function simpleCopy(value: unknown, depth: number, budget: { left: number }): unknown {
  if (--budget.left < 0) return NOT_SIMPLE;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : NOT_SIMPLE;
    case "object": {
      if (value === null) return null;
      if (depth >= FAST_MAX_DEPTH) return NOT_SIMPLE;
      if (Array.isArray(value)) {
        const out: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = simpleCopy(value[i], depth + 1, budget);
          if (item === NOT_SIMPLE) return NOT_SIMPLE;
          out[i] = item;
        }
        return out;
      }
      if (!isPlainObject(value)) return NOT_SIMPLE;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key === "__proto__") return NOT_SIMPLE;
        const item = simpleCopy(value[key], depth + 1, budget);
        if (item === NOT_SIMPLE) return NOT_SIMPLE;
        out[key] = item;
      }
      return out;
    }
    default:
      return NOT_SIMPLE;
  }
}
