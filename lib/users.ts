/**
 * User and group names for numeric ids, from `/etc/passwd` and `/etc/group`
 * (each read once, on first use). Used for `{user}` in socket paths, by the
 * control server for the audit line (the name of a verified or reported
 * uid), and by per-user and per-group command policies (docs/systemd.md,
 * "Per-user and per-group policy").
 *
 * @module
 */

/** One `/etc/passwd` entry, as far as names and groups matter. */
export interface PasswdEntry {
  name: string;
  uid: number;
  /** The primary group. */
  gid: number;
}

/** One `/etc/group` entry. */
export interface GroupEntry {
  name: string;
  gid: number;
  /** Users listed as supplementary members. */
  members: string[];
}

let passwd: PasswdEntry[] | null = null;
let names: Map<number, string> | null = null;
let groups: GroupEntry[] | null = null;

function id(field: string | undefined): number | null {
  if (field === undefined || !/^[0-9]{1,10}$/.test(field)) return null;
  const value = Number(field);
  return value <= 0xffffffff ? value : null;
}

function lines(text: string): string[][] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

/** Parses `/etc/passwd` text into its entries (malformed lines skipped). */
export function parsePasswdEntries(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const fields of lines(text)) {
    const uid = id(fields[2]);
    const gid = id(fields[3]);
    if (fields[0] === "" || uid === null) continue;
    out.push({ name: fields[0], uid, gid: gid ?? -1 });
  }
  return out;
}

/** Parses `/etc/passwd` text into uid → name (the first entry of a uid wins). */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of parsePasswdEntries(text)) {
    if (!out.has(entry.uid)) out.set(entry.uid, entry.name);
  }
  return out;
}

/** Parses `/etc/group` text into its entries (malformed lines skipped). */
export function parseGroups(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const fields of lines(text)) {
    const gid = id(fields[2]);
    if (fields[0] === "" || gid === null) continue;
    const members = (fields[3] ?? "").split(",").map((m) => m.trim()).filter((m) => m !== "");
    out.push({ name: fields[0], gid, members });
  }
  return out;
}

function readOr<T>(path: string, parse: (text: string) => T, empty: T): T {
  try {
    return parse(Deno.readTextFileSync(path));
  } catch {
    return empty;
  }
}

function passwdEntries(): PasswdEntry[] {
  passwd ??= readOr("/etc/passwd", parsePasswdEntries, []);
  return passwd;
}

function groupEntries(): GroupEntry[] {
  groups ??= readOr("/etc/group", parseGroups, []);
  return groups;
}

/** The name of `uid`, or `undefined` when unknown or `/etc/passwd` cannot be read. */
export function userName(uid: number): string | undefined {
  if (names === null) {
    names = new Map();
    for (const entry of passwdEntries()) {
      if (!names.has(entry.uid)) names.set(entry.uid, entry.name);
    }
  }
  return names.get(uid);
}

/** The `/etc/passwd` entry named `name`, or `undefined`. */
export function userEntry(name: string): PasswdEntry | undefined {
  return passwdEntries().find((entry) => entry.name === name);
}

/** The gid of the group named `name`, or `undefined` when `/etc/group` has none. */
export function groupId(name: string): number | undefined {
  return groupEntries().find((entry) => entry.name === name)?.gid;
}

/**
 * The groups of user `name` by the account databases: its primary group
 * (`/etc/passwd`) and every group of `/etc/group` that lists it.
 */
export function groupsOfUser(name: string): number[] {
  const out = new Set<number>();
  const primary = userEntry(name)?.gid;
  if (primary !== undefined && primary >= 0) out.add(primary);
  for (const entry of groupEntries()) if (entry.members.includes(name)) out.add(entry.gid);
  return [...out];
}
