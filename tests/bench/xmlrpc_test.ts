import assert from "node:assert/strict";
import {
  encodeCall,
  parseHttpHead,
  parseResponse,
  XmlRpcFault,
  XmlRpcUnixClient,
} from "../../bench/peers/xmlrpc.ts";
import { supervisordRows } from "../../bench/peers/supervisord.ts";

const LIST = `<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><struct>
<member>
<name>name</name>
<value><string>a1</string></value>
</member>
<member>
<name>pid</name>
<value><int>4242</int></value>
</member>
<member>
<name>statename</name>
<value><string>RUNNING</string></value>
</member>
<member>
<name>description</name>
<value>pid 4242, uptime 0:00:05 &amp; more &lt;x&gt;</value>
</member>
</struct></value>
<value><struct>
<member><name>name</name><value><string>a2</string></value></member>
<member><name>pid</name><value><i4>0</i4></value></member>
<member><name>statename</name><value><string>STOPPED</string></value></member>
<member><name>ok</name><value><boolean>1</boolean></value></member>
<member><name>empty</name><value><string/></value></member>
</struct></value>
</data></array></value>
</param>
</params>
</methodResponse>
`;

Deno.test("parseResponse: array of structs, int/i4/boolean, escapes, bare and empty strings", () => {
  const v = parseResponse(LIST) as Record<string, unknown>[];
  assert.equal(v.length, 2);
  assert.deepEqual(v[0], {
    name: "a1",
    pid: 4242,
    statename: "RUNNING",
    description: "pid 4242, uptime 0:00:05 & more <x>",
  });
  assert.deepEqual(v[1], { name: "a2", pid: 0, statename: "STOPPED", ok: true, empty: "" });
  assert.deepEqual(supervisordRows(v as never), [
    { name: "a1", pid: 4242, up: true },
    { name: "a2", pid: 0, up: false },
  ]);
});

Deno.test("parseResponse: a fault throws XmlRpcFault with its code", () => {
  const fault = `<?xml version='1.0'?><methodResponse><fault><value><struct>
<member><name>faultCode</name><value><int>10</int></value></member>
<member><name>faultString</name><value><string>BAD_NAME: nope</string></value></member>
</struct></value></fault></methodResponse>`;
  assert.throws(
    () => parseResponse(fault),
    (e: unknown) => e instanceof XmlRpcFault && e.faultCode === 10,
  );
  assert.throws(() => parseResponse("<html>no</html>"), SyntaxError);
});

Deno.test("encodeCall: escapes strings and types params", () => {
  assert.equal(
    encodeCall("supervisor.getProcessInfo", ["a<1>", 3, true]),
    `<?xml version="1.0"?><methodCall><methodName>supervisor.getProcessInfo</methodName><params>` +
      `<param><value><string>a&lt;1&gt;</string></value></param>` +
      `<param><value><int>3</int></value></param>` +
      `<param><value><boolean>1</boolean></value></param></params></methodCall>`,
  );
});

Deno.test("parseHttpHead: status and lower-cased headers", () => {
  const h = parseHttpHead(
    "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n",
  );
  assert.equal(h.status, 200);
  assert.equal(h.headers["content-length"], "12");
  assert.equal(h.headers["connection"], "keep-alive");
  assert.throws(() => parseHttpHead("SSH-2.0\r\n\r\n"), /status line/);
});

Deno.test("XmlRpcUnixClient: many calls on one keep-alive connection over a real UNIX socket", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "bx" });
  const path = `${dir}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  let connections = 0;
  const server = (async () => {
    for await (const conn of listener) {
      connections++;
      (async () => {
        const buf = new Uint8Array(65536);
        let pending = "";
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          pending += new TextDecoder().decode(buf.subarray(0, n));
          for (;;) {
            const end = pending.indexOf("\r\n\r\n");
            if (end < 0) break;
            const len = Number(/Content-Length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
            if (pending.length < end + 4 + len) break;
            pending = pending.slice(end + 4 + len);
            const body = new TextEncoder().encode(LIST);
            await conn.write(new TextEncoder().encode(
              `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n`,
            ));
            await conn.write(body);
          }
        }
        conn.close();
      })();
    }
  })();
  const client = new XmlRpcUnixClient(path);
  try {
    for (let i = 0; i < 20; i++) {
      const rows = supervisordRows(await client.call("supervisor.getAllProcessInfo"));
      assert.equal(rows[0].pid, 4242);
    }
    assert.equal(connections, 1);
  } finally {
    client.close();
    listener.close();
    await server.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("XmlRpcUnixClient: no listener is a clear connect error", async () => {
  const client = new XmlRpcUnixClient("/tmp/does-not-exist-bench.sock");
  await assert.rejects(client.call("x"), Deno.errors.NotFound);
  client.close();
});
