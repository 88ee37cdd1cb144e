/**
 * The IPC floor's server over `node:net` (lib/control/node_transport.ts),
 * the transport that serves a socket passed by systemd or verified peers:
 * the same bare answer-every-frame loop as floor_server.ts, so the two
 * compare the transports and nothing else (transport_compare.ts).
 *
 * `deno run -A bench/measure/floor_server_node.ts SOCKET ANSWER_BYTES`
 * prints `ready` on stdout once it listens, and runs until SIGTERM/SIGINT.
 *
 * @module
 */

import { NodeUnixListener } from "../../lib/control/node_transport.ts";
import { removeSocket } from "../../lib/control/socket.ts";
import { answerFrame, floorAnswerBody, floorArgs, serveConnection } from "./floor_server.ts";

async function main(args: string[]): Promise<number> {
  const parsed = floorArgs(args);
  if (parsed === null) {
    console.error("Usage: floor_server_node.ts SOCKET ANSWER_BYTES (0 to 16 MiB)");
    return 2;
  }
  const answer = answerFrame(floorAnswerBody(parsed.bytes));
  const bound = await NodeUnixListener.bind(parsed.path, 0o600);
  const stop = () => bound.listener.close();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  console.log("ready");
  for (;;) {
    const conn = await bound.listener.accept().catch(() => undefined);
    if (conn === null) break;
    if (conn !== undefined) serveConnection(conn, answer);
  }
  await removeSocket(bound);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
