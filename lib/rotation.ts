/**
 * The file side of an append-only file rotated by size (the agent log files,
 * the CLI audit log; docs/operations.md): open for appending with the size
 * it has, rename `path` → `path.1` → `path.2` …, close without throwing.
 *
 * @module
 */

/** An open file and its size when opened. */
export interface AppendTarget {
  file: Deno.FsFile;
  size: number;
}

/** Opens `path` for appending (created with `mode`) and reads its size. Throws when it cannot. */
export function openAppend(path: string, mode: number): AppendTarget {
  const file = Deno.openSync(path, { append: true, create: true, mode });
  try {
    return { file, size: file.statSync().size };
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * Renames the files one step down: `path.N-1` → `path.N` … `path` →
 * `path.1`, keeping `maxFiles` old files (missing ones are skipped); with
 * `maxFiles` 0, `path` is removed. Throws when a rename fails.
 */
export function rotateFiles(path: string, maxFiles: number): void {
  if (maxFiles === 0) {
    Deno.removeSync(path);
    return;
  }
  for (let i = maxFiles - 1; i >= 1; i--) {
    try {
      Deno.renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  Deno.renameSync(path, `${path}.1`);
}
