/**
 * Reading a config file: bounded in size, strict UTF-8, and every failure a
 * one-line reason (`Cannot read config "x.jsonc": no such file`). Shared by
 * the loader and by the CLI's `--config`, which reads only the socket path.
 *
 * @module
 */

/** Largest config file read, in bytes. */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

/** The text of a config file, or why it cannot be read. */
export type ReadOutcome = { ok: true; text: string } | { ok: false; readError: string };

function readFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof TypeError) return "not valid UTF-8";
  return error instanceof Error ? error.message : String(error);
}

/** Reads `path` as UTF-8 text; a directory, a file over `MAX_CONFIG_BYTES` or bad UTF-8 fail. */
export async function readConfigText(path: string): Promise<ReadOutcome> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new Error("is a directory");
    if (info.size > MAX_CONFIG_BYTES) {
      throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    const bytes = await Deno.readFile(path);
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch (error) {
    return {
      ok: false,
      readError: `Cannot read config ${JSON.stringify(path)}: ${readFailure(error)}`,
    };
  }
}
