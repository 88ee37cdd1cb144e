/**
 * A small tmpfs for tests of a full filesystem (needs root; the tests that
 * use it are ignored otherwise and skip with a warning when `mount` fails).
 */

/** A mounted tmpfs; `[Symbol.asyncDispose]` unmounts it and removes the mount point. */
export interface Tmpfs {
  path: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** True when tmpfs tests can run at all (root). */
export const CAN_MOUNT = Deno.uid() === 0;

/** Mounts a tmpfs of `kib` KiB at a fresh directory under /tmp; `null` (with a warning) when it cannot. */
export async function mountTmpfs(kib: number): Promise<Tmpfs | null> {
  const path = await Deno.makeTempDir({ dir: "/tmp", prefix: "fs" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${kib}k,mode=0700`, "tmpfs", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!mount.success) {
    console.warn(`skipped: cannot mount a tmpfs: ${new TextDecoder().decode(mount.stderr).trim()}`);
    await Deno.remove(path);
    return null;
  }
  return {
    path,
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: ["-l", path] }).output();
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Fills the filesystem of `dir` with a file `dir/filler` until no byte fits; returns its path. */
export function fill(dir: string): string {
  const path = `${dir}/filler`;
  using file = Deno.openSync(path, { write: true, create: true });
  const block = new Uint8Array(4096);
  try {
    for (;;) file.writeSync(block);
  } catch (error) {
    if (!(error instanceof Error) || !/No space left/.test(error.message)) throw error;
  }
  try {
    for (;;) file.writeSync(block.subarray(0, 1));
  } catch {
    // Full to the byte.
  }
  return path;
}
