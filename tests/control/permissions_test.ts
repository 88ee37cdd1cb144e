/**
 * Socket permissions seen by another user. We run as root, and root ignores
 * file modes, so the client runs as uid 65534 through `setpriv`; it is
 * /usr/bin/python3 (deno itself lives under /root, out of that user's reach).
 */

import assert from "node:assert/strict";
import { shortTempDir, startHarness } from "./_helpers.ts";

const PY_CLIENT = `
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except PermissionError:
    print("denied"); sys.exit(0)
body = json.dumps({"command": "ps"}).encode()
s.sendall(struct.pack(">I", len(body)) + body)
n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
print(json.loads(s.recv(n, socket.MSG_WAITALL))["status"])
`;

const canSetpriv = Deno.uid() === 0 &&
  (() => {
    try {
      Deno.statSync("/usr/bin/setpriv");
      Deno.statSync("/usr/bin/python3");
      return true;
    } catch {
      return false;
    }
  })();

async function asUser(gid: number, socket: string): Promise<string> {
  const out = await new Deno.Command("/usr/bin/setpriv", {
    args: [
      "--reuid=65534",
      `--regid=${gid}`,
      "--clear-groups",
      "/usr/bin/python3",
      "-c",
      PY_CLIENT,
      socket,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return text;
}

/** A test dir other users can traverse, with the socket dir made beforehand. */
async function openDir(): Promise<string> {
  const dir = await shortTempDir();
  await Deno.chmod(dir, 0o755);
  await Deno.mkdir(`${dir}/run`, { mode: 0o755 });
  await Deno.chmod(`${dir}/run`, 0o755);
  return dir;
}

Deno.test({
  name: "permissions: 0600 denies another user",
  ignore: !canSetpriv,
  async fn() {
    const h = await startHarness({ command_socket_permissions: 0o600 }, await openDir());
    try {
      assert.equal(await asUser(65534, h.socket), "denied");
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "permissions: 0660 admits the socket's group and denies others",
  ignore: !canSetpriv,
  async fn() {
    const h = await startHarness({ command_socket_permissions: 0o660 }, await openDir());
    try {
      const staff = 50;
      await Deno.chown(h.socket, null, staff);
      assert.equal(await asUser(staff, h.socket), "success");
      assert.equal(await asUser(65534, h.socket), "denied");
    } finally {
      await h.close();
    }
  },
});
