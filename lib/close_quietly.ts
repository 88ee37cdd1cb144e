/**
 * Closing what may already be closed (a socket the peer dropped, a file a
 * failed write left behind): one helper instead of a `try`/`catch` at every
 * place that lets go of a resource.
 *
 * @module
 */

/** Closes `resource` (nothing for `null`/`undefined`); an error from an already closed one is ignored. */
export function closeQuietly(resource: { close(): void } | null | undefined): void {
  try {
    resource?.close();
  } catch {
    // Already closed.
  }
}
