/**
 * A stand-in for the service manager's notification socket, for
 * notify_test.ts: `deno run --unstable-net _notify_receiver.ts ADDRESS`
 * binds a UNIX datagram socket at ADDRESS (a path, or `@name` for an
 * abstract name), prints `ready`, then prints each datagram received as a
 * JSON string, one per line, until SIGTERM. (`Deno.listenDatagram` with
 * UNIX sockets needs `--unstable-net`, which is why this runs apart.)
 */

const [address] = Deno.args;
const path = address.startsWith("@") ? `\0${address.slice(1)}` : address;
const socket = Deno.listenDatagram({ transport: "unixpacket", path });
Deno.addSignalListener("SIGTERM", () => {
  socket.close();
  Deno.exit(0);
});
console.log("ready");
for await (const [data] of socket) console.log(JSON.stringify(new TextDecoder().decode(data)));
