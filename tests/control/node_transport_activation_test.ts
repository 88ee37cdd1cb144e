import assert from "node:assert/strict";
import { exists, onPath, waitForSocket } from "../_host.ts";
import { encodeFrame, FrameReader, writeAll } from "../../lib/control/frame.ts";

const SCRIPT = new URL("./_activated_echo.ts", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

const HAS_ACTIVATE = onPath("systemd-socket-activate");
const HAS_SETPRIV = onPath("setpriv") && exists(PYTHON) && Deno.uid() === 0;

/** A Python client run as uid/gid 65534: sends one frame, prints the answer's payload. */
const PY_CLIENT = `
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
body = json.dumps({"command": "who", "pid": os.getpid()}).encode()
s.sendall(struct.pack(">I", len(body)) + body)
def exactly(n):
    out = b""
    while len(out) < n:
        part = s.recv(n - len(out))
        if not part:
            sys.exit("closed")
        out += part
    return out
(n,) = struct.unpack(">I", exactly(4))
print(exactly(n).decode())
`;

interface Answer {
  status: string;
  data: {
    request: Record<string, unknown>;
    peer: { pid: number; uid: number; gid: number } | null;
    fd: number;
    name: string;
    listenEnvLeft: string[];
    childInheritsFd: boolean;
  };
}

async function call(conn: Deno.Conn, request: unknown): Promise<Answer> {
  await writeAll(conn, encodeFrame(request));
  const out = await new FrameReader(conn).read();
  assert.equal(out.kind, "frame");
  return JSON.parse(new TextDecoder().decode((out as { payload: Uint8Array }).payload));
}

Deno.test({
  name: "node transport: serves the socket systemd-socket-activate passes (fd 3, named), " +
    "with verified peers; children inherit neither fd nor variables; never removes the file",
  ignore: !HAS_ACTIVATE,
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sa" });
    await Deno.chmod(dir, 0o755);
    const path = `${dir}/o.sock`;
    const child = new Deno.Command("systemd-socket-activate", {
      args: ["-l", path, "--fdname=control", Deno.execPath(), "run", "-A", SCRIPT],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let done = false;
    try {
      await waitForSocket(path, child);
      await Deno.chmod(path, 0o666); // the socket unit's SocketMode=, for the uid 65534 client

      const conn = await Deno.connect({ transport: "unix", path });
      try {
        // The first connection makes systemd-socket-activate exec the server.
        const a = await call(conn, { command: "hello", n: 1 });
        assert.equal(a.status, "success");
        assert.deepEqual(a.data.request, { command: "hello", n: 1 });
        assert.equal(a.data.fd, 3);
        assert.equal(a.data.name, "control");
        assert.deepEqual(a.data.peer, { pid: Deno.pid, uid: Deno.uid(), gid: Deno.gid() });
        assert.deepEqual(a.data.listenEnvLeft, []);
        assert.equal(a.data.childInheritsFd, false);
        // Many requests on one connection, answered in order.
        for (let i = 2; i < 50; i++) {
          assert.equal((await call(conn, { command: "n", n: i })).data.request.n, i);
        }
      } finally {
        conn.close();
      }

      if (HAS_SETPRIV) {
        const out = await new Deno.Command("setpriv", {
          args: [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            PYTHON,
            "-c",
            PY_CLIENT,
            path,
          ],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(out.success, new TextDecoder().decode(out.stderr));
        const b: Answer = JSON.parse(new TextDecoder().decode(out.stdout));
        assert.equal(b.data.request.command, "who");
        assert.deepEqual(b.data.peer, { pid: b.data.request.pid, uid: 65534, gid: 65534 });
      }

      const stop = await Deno.connect({ transport: "unix", path });
      try {
        assert.equal((await call(stop, { command: "stop" })).status, "success");
      } finally {
        stop.close();
      }
      const status = await child.status;
      done = true;
      assert.equal(status.code, 0, await stderr);
      assert.ok(Deno.lstatSync(path).isSocket, "the passed socket's file is left in place");
    } finally {
      if (!done) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
        await child.status;
      }
      await stderr;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
