/**
 * Call-time inputs against the agent's `inputs` JSON Schema (ajv). Compiled
 * schemas are cached per schema object.
 *
 * ajv is loaded on first need ({@link loadInputsValidator}): it costs about
 * 50 ms of start-up and 3.5 MiB of heap, and most configs have no `inputs`.
 *
 * @module
 */

import type { Ajv } from "ajv";
import type { JsonSchema } from "../config/types.ts";

let AjvClass: typeof Ajv | null = null;
let loading: Promise<void> | null = null;
let ajv: Ajv | null = null;
const cache = new WeakMap<JsonSchema, (data: unknown) => boolean>();

/** True once ajv is loaded and {@link checkInputs} may be called. */
export function inputsValidatorLoaded(): boolean {
  return AjvClass !== null;
}

/** Loads ajv (once; later calls return the same promise). */
export function loadInputsValidator(): Promise<void> {
  loading ??= import("ajv").then((m) => {
    AjvClass = m.Ajv;
  });
  return loading;
}

/**
 * Checks `data` against `schema`. Returns the problems (empty when valid);
 * a schema that does not compile is reported as a problem. Throws when
 * ajv is not loaded yet ({@link loadInputsValidator}).
 *
 * @example
 * ```ts
 * await loadInputsValidator();
 * checkInputs({ type: "object", required: ["city"] }, {}); // ["must have required property 'city'"]
 * ```
 */
export function checkInputs(schema: JsonSchema, data: unknown): string[] {
  if (AjvClass === null) throw new Error("The inputs validator is not loaded yet");
  ajv ??= new AjvClass({ allErrors: true, strict: false });
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
