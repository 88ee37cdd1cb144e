/**
 * Where this process sits in the cgroup v2 hierarchy: the cgroup2 mount
 * (from `/proc/self/mountinfo`) joined with our own cgroup path (the `0::`
 * line of `/proc/self/cgroup`). Pure parsers plus one reader. Works on a
 * pure v2 system (`/sys/fs/cgroup`) and on a hybrid one
 * (`/sys/fs/cgroup/unified`).
 *
 * @module
 */

/** A cgroup2 mount: where it is mounted, which cgroup is its root, and whether it is read-only. */
export interface Cgroup2Mount {
  mountPoint: string;
  /** Field 4 of mountinfo: the cgroup that appears at the mount point (`/` unless a sub-tree was bind-mounted). */
  root: string;
  readOnly: boolean;
}

/** Undoes mountinfo's octal escapes (`\040` for a space …). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Every cgroup2 mount in the text of `/proc/self/mountinfo`, in order.
 *
 * @example
 * ```ts
 * parseCgroup2Mounts("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
 * // [{ mountPoint: "/sys/fs/cgroup/unified", root: "/", readOnly: false }]
 * ```
 */
export function parseCgroup2Mounts(text: string): Cgroup2Mount[] {
  const out: Cgroup2Mount[] = [];
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const before = line.slice(0, dash).split(" ");
    const after = line.slice(dash + 3).split(" ");
    if (after[0] !== "cgroup2" || before.length < 6) continue;
    out.push({
      mountPoint: unescapeMountinfo(before[4]),
      root: unescapeMountinfo(before[3]),
      readOnly: before[5].split(",").includes("ro"),
    });
  }
  return out;
}

/**
 * Our cgroup v2 path from the text of `/proc/self/cgroup` (the `0::/path`
 * line), or `null` when there is none (no v2 hierarchy).
 */
export function parseOwnCgroup(text: string): string | null {
  for (const line of text.split("\n")) {
    if (line.startsWith("0::")) return line.slice(3).replace(/ \(deleted\)$/, "");
  }
  return null;
}

/**
 * The directory of cgroup `own` under one of `mounts`: the first mount
 * whose root contains it, or `null` when none does.
 *
 * @example
 * ```ts
 * cgroupDirectory([{ mountPoint: "/sys/fs/cgroup", root: "/", readOnly: false }], "/a.service");
 * // { dir: "/sys/fs/cgroup/a.service", mount: … }
 * ```
 */
export function cgroupDirectory(
  mounts: readonly Cgroup2Mount[],
  own: string,
): { dir: string; mount: Cgroup2Mount } | null {
  for (const mount of mounts) {
    const root = mount.root.replace(/\/+$/, "");
    const inside = root === "" || own === root || own.startsWith(`${root}/`);
    if (!inside) continue;
    const rest = own.slice(root.length).replace(/^\/+/, "");
    const base = mount.mountPoint.replace(/\/+$/, "");
    return { dir: rest === "" ? base : `${base}/${rest}`, mount };
  }
  return null;
}

/** Result of {@link ownCgroupDirectory}. */
export type CgroupLookup =
  | { ok: true; dir: string; readOnly: boolean }
  | { ok: false; reason: string };

/** The directory of this process's own cgroup v2, or why there is none. */
export function ownCgroupDirectory(): CgroupLookup {
  let mountinfo: string;
  let cgroup: string;
  try {
    mountinfo = Deno.readTextFileSync("/proc/self/mountinfo");
    cgroup = Deno.readTextFileSync("/proc/self/cgroup");
  } catch (error) {
    return { ok: false, reason: `cannot read /proc/self: ${(error as Error).message}` };
  }
  const mounts = parseCgroup2Mounts(mountinfo);
  if (mounts.length === 0) return { ok: false, reason: "no cgroup2 file system is mounted" };
  const own = parseOwnCgroup(cgroup);
  if (own === null) return { ok: false, reason: "this process has no cgroup v2 path" };
  const found = cgroupDirectory(mounts, own);
  if (found === null) {
    return { ok: false, reason: `cgroup "${own}" is not visible under any cgroup2 mount` };
  }
  return { ok: true, dir: found.dir, readOnly: found.mount.readOnly };
}
