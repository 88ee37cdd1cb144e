/**
 * JSON Schema checking with one ajv instance and one set of options, for the
 * config validator (`values` against `inputs`) and for call-time inputs, so
 * a schema means the same at `validate` time and at `call` time. Compiled
 * schemas are cached by their JSON text (bounded). `pattern` and
 * `patternProperties` run on the linear-time engine of `lib/pattern.ts`, so
 * no input can make a check take more than linear time (docs/config.md,
 * "Patterns").
 *
 * @module
 */

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { linearPattern } from "./pattern.ts";

/** A compiled schema, or why it does not compile. */
export type CompiledSchema =
  | { ok: true; validate: ValidateFunction }
  | { ok: false; errors: ErrorObject[]; message: string };

/** Compiled schemas kept; the cache is emptied when full. */
const CACHE_MAX = 256;

let ajv: Ajv | undefined;
const cache = new Map<string, CompiledSchema>();

/**
 * ajv's `code.regExp` engine: a refused pattern throws (the schema does not
 * compile). ajv caches compiled patterns by `toString()`, so it names the
 * source. `code` would only serve ajv's standalone code, which is not used.
 */
const linearRegExp = Object.assign((source: string) => {
  const pattern = linearPattern(source);
  return { test: (text: string) => pattern.test(text), toString: () => `re2:${source}` };
}, { code: "linearRegExp" });

function instance(): Ajv {
  // No format plugins are bundled: formats are not checked (and not warned about).
  ajv ??= new Ajv({
    allErrors: true,
    strict: false,
    logger: false,
    validateFormats: false,
    code: { regExp: linearRegExp },
  });
  return ajv;
}

/**
 * Compiles `schema` (cached). A schema that is not a valid JSON Schema gives
 * the meta-schema errors; one that fails to compile gives ajv's message.
 *
 * @example
 * ```ts
 * const c = compileSchema({ type: "object", required: ["city"] });
 * if (c.ok) c.validate({}); // false; c.validate.errors names "city"
 * ```
 */
export function compileSchema(schema: unknown): CompiledSchema {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const a = instance();
  let result: CompiledSchema;
  try {
    // Objects without a prototype (jsonc-parser's) make ajv's meta-schema check
    // throw on some shapes: that is a schema that does not compile, too.
    result = a.validateSchema(schema as object) as boolean
      ? { ok: true, validate: a.compile(schema as object) }
      : { ok: false, errors: [...(a.errors ?? [])], message: "" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { ok: false, errors: [], message };
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, result);
  return result;
}
