/**
 * Path helpers shared by the validator, the socket, the event store and the
 * audit log.
 *
 * @module
 */

/**
 * The directory part of `path`: `"."` for a bare name, `"/"` at the root;
 * trailing slashes are ignored.
 *
 * @example
 * ```ts
 * dirname("/run/orchestrator/o.sock"); // "/run/orchestrator"
 * dirname("events.db");                // "."
 * ```
 */
export function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : trimmed.slice(0, i);
}
