/**
 * The one error family of the project. Each error carries a protocol `code`
 * (docs/protocol.md, "Codes"), so the control plane maps it straight onto a
 * response and only `cli.ts` turns it into an exit code.
 *
 * @module
 */

import type { ResponseCode } from "./protocol/codes.ts";

/**
 * An error with a protocol code and optional structured details.
 *
 * @example
 * ```ts
 * throw new OrchestratorError(409, 'Cannot start agent "web": state is "stopping"');
 * ```
 */
export class OrchestratorError extends Error {
  /** Protocol status code. */
  readonly code: ResponseCode;
  /** Structured details, for callers that branch on data rather than text. */
  readonly details: Record<string, unknown>;
  /**
   * Sent as the error response's `data` (docs/protocol.md, "Responses"):
   * what a client needs to act on the error, such as the validation
   * results of a refused `reload`. `undefined`: the response has no `data`.
   */
  readonly data: unknown;

  constructor(
    code: ResponseCode,
    message: string,
    details: Record<string, unknown> = {},
    options: { data?: unknown } = {},
  ) {
    super(message);
    this.name = "OrchestratorError";
    this.code = code;
    this.details = details;
    this.data = options.data;
  }
}

/** 400: malformed request or bad arguments. */
export function badRequest(message: string, details?: Record<string, unknown>): OrchestratorError {
  return new OrchestratorError(400, message, details);
}

/** 404: unknown command or agent. */
export function notFound(message: string, details?: Record<string, unknown>): OrchestratorError {
  return new OrchestratorError(404, message, details);
}

/** 409: not possible in the agent's current state. */
export function conflict(message: string, details?: Record<string, unknown>): OrchestratorError {
  return new OrchestratorError(409, message, details);
}
