/**
 * Call-time inputs against the agent's `inputs` JSON Schema, with the same
 * ajv instance and options as the config validator (`lib/json_schema.ts`).
 *
 * ajv is loaded on first need ({@link loadInputsValidator}): it costs about
 * 50 ms of start-up and 3.5 MiB of heap, and most configs have no `inputs`.
 *
 * @module
 */

import type { JsonSchema } from "../config/types.ts";

let compile: typeof import("../json_schema.ts").compileSchema | null = null;
let loading: Promise<void> | null = null;

/** True once ajv is loaded and {@link checkInputs} may be called. */
export function inputsValidatorLoaded(): boolean {
  return compile !== null;
}

/** Loads ajv (once; later calls return the same promise). */
export function loadInputsValidator(): Promise<void> {
  loading ??= import("../json_schema.ts").then((m) => {
    compile = m.compileSchema;
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
  if (compile === null) throw new Error("The inputs validator is not loaded yet");
  const compiled = compile(schema);
  if (!compiled.ok) {
    const why = compiled.message !== ""
      ? compiled.message
      : compiled.errors.map((e) => `${e.instancePath} ${e.message ?? ""}`.trim()).join("; ");
    return [`the inputs schema does not compile: ${why}`];
  }
  if (compiled.validate(data)) return [];
  return (compiled.validate.errors ?? []).map((e) =>
    `${e.instancePath === "" ? "" : e.instancePath + " "}${e.message ?? ""}`
  );
}
