/**
 * Who sent a request, as audit lines, command events and command policies
 * name them (docs/protocol.md, "Audit"):
 *
 * - on a transport that reads the peer's credentials from the kernel
 *   (`SO_PEERCRED`, the `node:net` transport): the verified {@link Caller} —
 *   uid, gid, pid, the uid's name and the caller's groups. What the client
 *   reports about itself is kept only where it differs (`reported_user=`);
 * - otherwise (`Deno.listen`, which exposes no credentials): the identity
 *   the client reports, marked as reported.
 *
 * @module
 */

import type { ClientIdentity } from "./protocol.ts";
import type { PeerIdentity } from "./transport.ts";
import { groupsOfUser, userName } from "../users.ts";

/** Who sent a request. */
export interface Who {
  /** The verified user's name, else the reported one, else "unknown". */
  user: string;
  uid?: number;
  pid?: number;
  /** True when `user`, `uid` and `pid` come from the kernel, not from the client. */
  verified: boolean;
  /** What a verified caller reported instead, when that names another user. */
  reportedUser?: string;
}

/** A connection whose client has not reported an identity (and cannot be verified). */
export const UNKNOWN_CLIENT: Who = { user: "unknown", verified: false };

/** A caller whose identity the kernel reported (`SO_PEERCRED` at accept). */
export interface Caller {
  uid: number;
  /** The effective gid when it connected. */
  gid: number;
  pid: number;
  /** The name of `uid` (`/etc/passwd`), else `uid` in decimal. */
  user: string;
  /** Its gid and supplementary groups. */
  groups: readonly number[];
}

/** Who a reported identity names: its user, else the name of its uid, else "unknown". */
export function whoOf(client: ClientIdentity): Who {
  const user = reportedName(client);
  return { user: user ?? "unknown", uid: client.uid, pid: client.pid, verified: false };
}

function reportedName(client: ClientIdentity): string | undefined {
  if (client.user !== undefined && client.user !== "") return client.user;
  return client.uid !== undefined ? userName(client.uid) : undefined;
}

/**
 * Who sent a request on a connection: the verified `caller` when there is
 * one (with the reported user when it names someone else), else what
 * `client` reports, else {@link UNKNOWN_CLIENT}.
 *
 * @example
 * ```ts
 * whoFor({ uid: 1000, gid: 1000, pid: 7, user: "alice", groups: [1000] }, { user: "bob" });
 * // { user: "alice", uid: 1000, pid: 7, verified: true, reportedUser: "bob" }
 * ```
 */
export function whoFor(caller: Caller | undefined, client: ClientIdentity | undefined): Who {
  if (caller === undefined) return client === undefined ? UNKNOWN_CLIENT : whoOf(client);
  const who: Who = { user: caller.user, uid: caller.uid, pid: caller.pid, verified: true };
  // Named as the verified user is: its name, else its uid in decimal.
  const reported = client === undefined
    ? undefined
    : reportedName(client) ?? (client.uid === undefined ? undefined : String(client.uid));
  if (reported !== undefined && reported !== caller.user) who.reportedUser = reported;
  return who;
}

/** True when two reported identities say the same (so who they name is the same). */
export function sameClient(a: ClientIdentity, b: ClientIdentity | undefined): boolean {
  return b !== undefined && a.user === b.user && a.uid === b.uid && a.pid === b.pid;
}

/**
 * The effective uid and the supplementary groups in the text of
 * `/proc/<pid>/status` (`Uid:` real, effective, saved, fs; `Groups:`), null
 * where a line is missing or malformed.
 */
export function procStatusIds(text: string): { uid: number | null; groups: number[] | null } {
  const uidLine = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  const groupsLine = /^Groups:[ \t]*([0-9 \t]*)$/m.exec(text);
  return {
    uid: uidLine === null ? null : Number(uidLine[1]),
    groups: groupsLine === null
      ? null
      : groupsLine[1].split(/\s+/).filter((g) => g !== "").map(Number),
  };
}

/** Reads `/proc/<pid>/status`; null when it cannot be read (the process is gone). */
function readProcStatus(pid: number): string | null {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return null;
  }
}

/**
 * The caller behind kernel-reported credentials, read at accept. Its groups
 * are the supplementary groups of the peer process (`/proc/<pid>/status`)
 * while that process still has the peer's uid, else the groups the account
 * databases give the user (`/etc/group`); its gid is always among them.
 */
export function verifiedCaller(
  peer: PeerIdentity,
  readStatus: (pid: number) => string | null = readProcStatus,
): Caller {
  const name = userName(peer.uid);
  const groups = new Set<number>([peer.gid]);
  const status = peer.pid > 0 ? readStatus(peer.pid) : null;
  const ids = status === null ? null : procStatusIds(status);
  if (ids !== null && ids.uid === peer.uid && ids.groups !== null) {
    for (const g of ids.groups) groups.add(g);
  } else if (name !== undefined) {
    for (const g of groupsOfUser(name)) groups.add(g);
  }
  return {
    uid: peer.uid,
    gid: peer.gid,
    pid: peer.pid,
    user: name ?? String(peer.uid),
    groups: [...groups],
  };
}
