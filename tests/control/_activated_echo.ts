/**
 * A tiny frame server for node_transport_activation_test.ts, run by
 * `systemd-socket-activate -l PATH deno run -A _activated_echo.ts`, which
 * passes the socket the way systemd does. It adopts the passed socket
 * (lib/systemd/activation.ts), serves it through the `node:net` transport
 * and answers each request frame with what it saw: the request, the
 * kernel-verified peer, whether the activation variables are still in its
 * environment, and whether a child it spawned inherited the descriptor.
 * `{"command":"stop"}` closes the listener and exits 0.
 */

import { encodeFrame, FrameReader, writeAll } from "../../lib/control/frame.ts";
import type { NodeUnixConn } from "../../lib/control/node_conn.ts";
import { NodeUnixListener } from "../../lib/control/node_transport.ts";
import { adoptListenFds, controlFd, LISTEN_ENV } from "../../lib/systemd/activation.ts";

async function childInherits(fd: number): Promise<boolean> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `if [ -e /proc/$$/fd/${fd} ]; then echo yes; else echo no; fi`],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim() === "yes";
}

async function serve(conn: NodeUnixConn, facts: Record<string, unknown>, stop: () => void) {
  const reader = new FrameReader(conn);
  try {
    for (;;) {
      const out = await reader.read();
      if (out.kind !== "frame") break;
      const request = JSON.parse(new TextDecoder().decode(out.payload));
      await writeAll(
        conn,
        encodeFrame({ status: "success", data: { request, peer: conn.peer ?? null, ...facts } }),
      );
      if (request.command === "stop") {
        stop();
        break;
      }
    }
  } finally {
    conn.close();
  }
}

const activation = adoptListenFds();
if (activation === null) {
  console.error("No socket passed");
  Deno.exit(3);
}
const { fd, name } = controlFd(activation);
const listener = await NodeUnixListener.fromFd(fd);
const facts = {
  fd,
  name,
  listenEnvLeft: LISTEN_ENV.filter((v) => Deno.env.get(v) !== undefined),
  childInheritsFd: await childInherits(fd),
};
const serving: Promise<void>[] = [];
for (;;) {
  const conn = await listener.accept();
  if (conn === null) break;
  serving.push(serve(conn, facts, () => listener.close()));
}
await Promise.all(serving);
