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

/**
 * True when `a` and `b` hold the same inputs: equal JSON values, whatever
 * the order of their keys (`undefined` is no inputs, the same as `{}`).
 * Inputs too deeply nested to compare count as different.
 *
 * @example
 * ```ts
 * sameInputs({ a: 1, b: [2] }, { b: [2], a: 1 }); // true
 * sameInputs(undefined, {});                       // true
 * ```
 */
export function sameInputs(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): boolean {
  try {
    return canonical(a ?? {}) === canonical(b ?? {});
  } catch {
    return false; // nested past the stack
  }
}

/** JSON text of `value` with object keys sorted. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
