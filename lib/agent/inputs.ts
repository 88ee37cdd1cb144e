/**
 * Call-time inputs against the agent's `inputs` JSON Schema (ajv). Compiled
 * schemas are cached per schema object.
 *
 * @module
 */

import { Ajv } from "ajv";
import type { JsonSchema } from "../config/types.ts";

let ajv: Ajv | null = null;
const cache = new WeakMap<JsonSchema, (data: unknown) => boolean>();

/**
 * Checks `data` against `schema`. Returns the problems (empty when valid);
 * a schema that does not compile is reported as a problem.
 *
 * @example
 * ```ts
 * checkInputs({ type: "object", required: ["city"] }, {}); // ["must have required property 'city'"]
 * ```
 */
export function checkInputs(schema: JsonSchema, data: unknown): string[] {
  ajv ??= new Ajv({ allErrors: true, strict: false });
  let validate = cache.get(schema);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      return [`the inputs schema does not compile: ${(error as Error).message}`];
    }
    cache.set(schema, validate);
  }
  if (validate(data)) return [];
  const errors = (validate as unknown as { errors?: { instancePath: string; message?: string }[] })
    .errors ?? [];
  return errors.map((e) =>
    `${e.instancePath === "" ? "" : e.instancePath + " "}${e.message ?? ""}`
  );
}
