/**
 * What the systemd modules share about the variables the service manager
 * sets (docs/systemd.md): the environment type they read, and the one error
 * for a malformed value.
 *
 * @module
 */

import { OrchestratorError } from "../errors.ts";

/** An environment, as `Deno.env.toObject()` returns it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A decimal number as the service manager writes it (no sign, no spaces). */
export const DECIMAL = /^[0-9]{1,20}$/;

/** The error for variable `name` holding `value`, which is not valid because `why`. */
export function invalidVariable(name: string, value: string, why: string): OrchestratorError {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return new OrchestratorError(500, `Invalid ${name} "${shown}": ${why}`, { variable: name });
}
