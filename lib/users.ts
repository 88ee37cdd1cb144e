/**
 * User names for numeric uids, from `/etc/passwd` (read once, on first use).
 * Used for `{user}` in socket paths and by the control server for the audit
 * line when a client reports only its uid.
 *
 * @module
 */

let names: Map<number, string> | null = null;

/** Parses `/etc/passwd` text into uid → name. */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length < 3 || fields[0] === "" || line.startsWith("#")) continue;
    const uid = Number(fields[2]);
    if (Number.isSafeInteger(uid) && !out.has(uid)) out.set(uid, fields[0]);
  }
  return out;
}

/** The name of `uid`, or `undefined` when unknown or `/etc/passwd` cannot be read. */
export function userName(uid: number): string | undefined {
  if (names === null) {
    try {
      names = parsePasswd(Deno.readTextFileSync("/etc/passwd"));
    } catch {
      names = new Map();
    }
  }
  return names.get(uid);
}
