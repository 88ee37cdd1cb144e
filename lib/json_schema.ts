/**
 * JSON Schema checking with one ajv instance and one set of options, for the
 * config validator (`values` against `inputs`) and for call-time inputs, so
 * a schema means the same at `validate` time and at `call` time. Compiled
 * schemas are cached by their JSON text (bounded).
 *
 * @module
 */

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

/** A compiled schema, or why it does not compile. */
export type CompiledSchema =
  | { ok: true; validate: ValidateFunction }
  | { ok: false; errors: ErrorObject[]; message: string };

/** Compiled schemas kept; the cache is emptied when full. */
const CACHE_MAX = 256;

let ajv: Ajv | undefined;
const cache = new Map<string, CompiledSchema>();

function instance(): Ajv {
  // No format plugins are bundled: formats are not checked (and not warned about).
  ajv ??= new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: false });
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
  if (!(a.validateSchema(schema as object) as boolean)) {
    result = { ok: false, errors: [...(a.errors ?? [])], message: "" };
  } else {
    try {
      result = { ok: true, validate: a.compile(schema as object) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { ok: false, errors: [], message };
    }
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, result);
  return result;
}
