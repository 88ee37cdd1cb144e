/**
 * Creating and removing the control socket file safely (docs/protocol.md, "Audit").
 *
 * - The socket never exists at its path with a mode wider than configured:
 *   it is bound inside a fresh private (0700) directory next to the target,
 *   chmod-ed there, then renamed into place (a bound UNIX socket keeps
 *   listening after a rename; tested).
 * - A missing parent directory is created (owner rwx; group/other r-x only
 *   when the socket mode gives that class access).
 * - An existing socket file is removed only after a connect attempt is
 *   refused (stale, e.g. left by `kill -9`); a live one is an error, and so is
 *   a path that exists but is not a socket.
 * - On close the file is removed only if it is still the one we created.
 *
 * @module
 */

import { OrchestratorError } from "../errors.ts";
import { dirname } from "../path.ts";
import { MAX_SOCKET_PATH_BYTES } from "../protocol/socket.ts";

/** What is at a socket path. */
export type SocketProbe = "absent" | "live" | "stale" | "not-socket";

/** Directory mode for a socket mode: owner rwx; r-x for group/other when they get any access. */
export function directoryModeFor(socketMode: number): number {
  let mode = 0o700;
  if ((socketMode & 0o070) !== 0) mode |= 0o050;
  if ((socketMode & 0o007) !== 0) mode |= 0o005;
  return mode;
}

/** Finds out whether something listens at `path`. */
export async function probeSocket(path: string): Promise<SocketProbe> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "absent";
    throw error;
  }
  if (info.isSocket !== true) return "not-socket";
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return "live";
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return "stale";
    if (error instanceof Deno.errors.NotFound) return "absent";
    throw new OrchestratorError(
      500,
      `Cannot check control socket "${path}": ${(error as Error).message}`,
    );
  }
}

/** A bound control socket (by default a `Deno.listen` listener). */
export interface BoundSocket<L = Deno.Listener<Deno.UnixConn, Deno.UnixAddr>> {
  listener: L;
  path: string;
  /** Inode of the socket file, to recognise it at removal. */
  ino: number | null;
}

/**
 * Binds a listening UNIX socket at `path` with file mode `mode`, without a
 * window where it is reachable with a wider mode.
 */
export function bindSocket(path: string, mode: number): Promise<BoundSocket> {
  return bindSocketWith(path, mode, (tmpPath) => Deno.listen({ transport: "unix", path: tmpPath }));
}

/**
 * {@link bindSocket} with another transport: `listen` binds and listens at
 * the temporary path it is given (e.g. a `node:net` server, for verified
 * peers), and its listener is closed again when a later step fails.
 */
export async function bindSocketWith<L extends { close(): void }>(
  path: string,
  mode: number,
  listen: (tmpPath: string) => L | Promise<L>,
): Promise<BoundSocket<L>> {
  if (new TextEncoder().encode(path).length > MAX_SOCKET_PATH_BYTES) {
    throw new OrchestratorError(
      500,
      `Cannot start control server: socket path "${path}" is longer than ${MAX_SOCKET_PATH_BYTES} bytes`,
    );
  }
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true, mode: directoryModeFor(mode) });

  const state = await probeSocket(path);
  if (state === "live") {
    throw new OrchestratorError(
      500,
      `Cannot start control server: another orchestrator is listening on "${path}"`,
    );
  }
  if (state === "not-socket") {
    throw new OrchestratorError(
      500,
      `Cannot start control server: "${path}" exists and is not a socket`,
    );
  }
  if (state === "stale") await Deno.remove(path);

  const random = crypto.getRandomValues(new Uint8Array(3));
  const tmpDir = `${dir === "/" ? "" : dir}/.o${
    Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
  const tmpPath = `${tmpDir}/s`;
  if (new TextEncoder().encode(tmpPath).length > MAX_SOCKET_PATH_BYTES) {
    throw new OrchestratorError(
      500,
      `Cannot start control server: socket path "${path}" is too long to be created safely ` +
        `(the temporary path "${tmpPath}" exceeds ${MAX_SOCKET_PATH_BYTES} bytes)`,
    );
  }
  await Deno.mkdir(tmpDir, { mode: 0o700 });
  let listener: L | null = null;
  try {
    listener = await listen(tmpPath);
    await Deno.chmod(tmpPath, mode);
    await Deno.rename(tmpPath, path);
  } catch (error) {
    listener?.close();
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    throw new OrchestratorError(
      500,
      `Cannot start control server on "${path}": ${(error as Error).message}`,
    );
  }
  await Deno.remove(tmpDir).catch(() => {});
  const ino = (await Deno.lstat(path)).ino;
  return { listener, path, ino };
}

/** Removes the socket file if it is still the one `bindSocket` created. */
export async function removeSocket(bound: Pick<BoundSocket, "path" | "ino">): Promise<void> {
  try {
    const info = await Deno.lstat(bound.path);
    if (info.isSocket === true && (bound.ino === null || info.ino === bound.ino)) {
      await Deno.remove(bound.path);
    }
  } catch {
    // already gone
  }
}
