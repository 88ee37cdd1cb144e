/**
 * Request and response shapes of the control protocol (docs/protocol.md) and
 * their validation. Pure, importing only the protocol's vocabulary
 * (`lib/protocol/`), so both the server and the (fast-loading) CLI client
 * use it.
 *
 * @module
 */

import type { ResponseCode } from "../protocol/codes.ts";

/** A JSON scalar: the only kinds of `id` a request may carry. */
export type RequestId = string | number | boolean | null;

/** What the client says about itself; the server cannot verify it (no SO_PEERCRED in Deno). */
export interface ClientIdentity {
  uid?: number;
  user?: string;
  pid?: number;
}

/** A validated request. */
export interface ControlRequest {
  command: string;
  args: string[];
  options: Record<string, unknown>;
  /** Present only when the request had one; echoed in the response. */
  id?: RequestId;
  /** Reported identity of the client, when sent. */
  client?: ClientIdentity;
}

/** A successful response. */
export interface SuccessResponse<T = unknown> {
  status: "success";
  data: T;
  id?: RequestId;
}

/** An error response. */
export interface ErrorResponse {
  status: "error";
  code: ResponseCode;
  error: string;
  id?: RequestId;
  /** What a client needs to act on the error, for the few errors that carry it (`reload`: results). */
  data?: unknown;
}

/** Any response. */
export type ControlResponse<T = unknown> = SuccessResponse<T> | ErrorResponse;

/** The outcome of `parseRequest`: the request, or a 400 with the id when one could be read. */
export type ParsedRequest =
  | { ok: true; request: ControlRequest }
  | { ok: false; message: string; id?: RequestId };

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isScalar(value: unknown): value is RequestId {
  return value === null || typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseClient(value: unknown): ClientIdentity | string {
  if (!isPlainObject(value)) return '"client" must be an object';
  const out: ClientIdentity = {};
  if (value.uid !== undefined) {
    if (!Number.isSafeInteger(value.uid) || (value.uid as number) < 0) {
      return '"client.uid" must be a non-negative integer';
    }
    out.uid = value.uid as number;
  }
  if (value.pid !== undefined) {
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) < 0) {
      return '"client.pid" must be a non-negative integer';
    }
    out.pid = value.pid as number;
  }
  if (value.user !== undefined) {
    if (typeof value.user !== "string" || value.user.length > 256) {
      return '"client.user" must be a string of at most 256 characters';
    }
    out.user = value.user;
  }
  return out;
}

/**
 * Validates a decoded JSON value as a request: `command` a non-empty string,
 * `args` an array of strings, `options` an object, `id` a JSON scalar,
 * `client` an identity object. Unknown keys are ignored.
 */
export function validateRequest(value: unknown): ParsedRequest {
  if (!isPlainObject(value)) return { ok: false, message: "Request must be a JSON object" };
  const id = value.id;
  const withId = (message: string): ParsedRequest =>
    id !== undefined && isScalar(id) ? { ok: false, message, id } : { ok: false, message };
  if (id !== undefined && !isScalar(id)) {
    return { ok: false, message: '"id" must be a string, number, boolean or null' };
  }
  const command = value.command;
  if (typeof command !== "string" || command === "") {
    return withId('"command" must be a non-empty string');
  }
  if (command.length > 64) return withId('"command" is longer than 64 characters');
  let args: string[] = [];
  if (value.args !== undefined) {
    if (!Array.isArray(value.args) || !value.args.every((a) => typeof a === "string")) {
      return withId('"args" must be an array of strings');
    }
    args = value.args;
  }
  let options: Record<string, unknown> = {};
  if (value.options !== undefined) {
    if (!isPlainObject(value.options)) return withId('"options" must be an object');
    options = value.options;
  }
  const request: ControlRequest = { command, args, options };
  if (id !== undefined) request.id = id;
  if (value.client !== undefined) {
    const client = parseClient(value.client);
    if (typeof client === "string") return withId(client);
    request.client = client;
  }
  return { ok: true, request };
}

/** Longest payload decoded by the ASCII fast path of `decodeStrict`. */
const ASCII_FAST_MAX = 256;

/**
 * Strict UTF-8 decoding; `null` for invalid UTF-8. A short all-ASCII payload
 * (a typical request) is decoded in JavaScript, without a call into the
 * runtime; the result is the same.
 */
export function decodeStrict(payload: Uint8Array): string | null {
  if (payload.length <= ASCII_FAST_MAX) {
    let ascii = true;
    for (let i = 0; i < payload.length; i++) {
      if (payload[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, payload as unknown as number[]);
  }
  try {
    return decoder.decode(payload);
  } catch {
    return null;
  }
}

/** Decodes one frame payload: strict UTF-8, JSON, then `validateRequest`. */
export function parseRequest(payload: Uint8Array): ParsedRequest {
  const text = decodeStrict(payload);
  if (text === null) {
    return { ok: false, message: "Invalid request: payload is not valid UTF-8" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Invalid request: ${(error as Error).message}` };
  }
  return validateRequest(value);
}

/**
 * The success envelope around `data`, already JSON text (with `id` when the
 * request had one): `{"status":"success","data":…,"id":…}`. The server
 * writes every success answer with it.
 *
 * @example
 * ```ts
 * successJson('{"a":1}', 7); // '{"status":"success","data":{"a":1},"id":7}'
 * ```
 */
export function successJson(data: string, id?: RequestId): string {
  return id === undefined
    ? `{"status":"success","data":${data}}`
    : `{"status":"success","data":${data},"id":${JSON.stringify(id)}}`;
}

/** Builds an error response (with `id` when given). */
export function errorResponse(code: ResponseCode, error: string, id?: RequestId): ErrorResponse {
  return id === undefined ? { status: "error", code, error } : { status: "error", code, error, id };
}

/** True when `value` has the shape of a response (used by clients on what they receive). */
export function isResponse(value: unknown): value is ControlResponse {
  if (!isPlainObject(value)) return false;
  if (value.status === "success") return "data" in value;
  return value.status === "error" && typeof value.code === "number" &&
    typeof value.error === "string";
}
