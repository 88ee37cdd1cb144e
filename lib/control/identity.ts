/**
 * Who sent a request, as audit lines and command events name them
 * (docs/protocol.md, "Audit"): the identity the client reported, which
 * the server cannot verify (`Deno.UnixConn` exposes no peer credentials).
 *
 * @module
 */

import type { ClientIdentity } from "./protocol.ts";
import { userName } from "../users.ts";

/** Who sent a request. */
export interface Who {
  user: string;
  uid?: number;
  pid?: number;
}

/** A connection whose client has not reported an identity. */
export const UNKNOWN_CLIENT: Who = { user: "unknown" };

/** Who a reported identity names: its user, else the name of its uid, else "unknown". */
export function whoOf(client: ClientIdentity): Who {
  const user = client.user !== undefined && client.user !== ""
    ? client.user
    : client.uid !== undefined
    ? userName(client.uid)
    : undefined;
  return { user: user ?? "unknown", uid: client.uid, pid: client.pid };
}

/** True when two reported identities say the same (so who they name is the same). */
export function sameClient(a: ClientIdentity, b: ClientIdentity | undefined): boolean {
  return b !== undefined && a.user === b.user && a.uid === b.uid && a.pid === b.pid;
}
