/**
 * The status codes a control response can carry (docs/protocol.md, "Codes").
 * The error family of `lib/errors.ts` carries the same codes, so a handler's
 * error maps straight onto a response.
 *
 * @module
 */

/** Error codes a response can carry. */
export type ResponseCode = 400 | 403 | 404 | 409 | 413 | 500 | 503 | 504;

/** What each code means (for docs and the CLI). */
export const CODE_MEANINGS: Readonly<Record<ResponseCode, string>> = {
  400: "Malformed request or bad arguments",
  403: "Command not allowed",
  404: "Unknown command or agent",
  409: "Not possible in the agent's state",
  413: "Frame too large",
  500: "Internal error",
  503: "Shutting down or too many connections",
  504: "Command timed out",
};
