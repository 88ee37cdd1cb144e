import { encodeFrame, FrameReader, writeAll } from "../lib/control/frame.ts";
const path = "/tmp/echo-bench.sock";
try {
  Deno.removeSync(path);
} catch { /* */ }
const l = Deno.listen({ transport: "unix", path });
(async () => {
  for await (const c of l) {
    (async () => {
      const r = new FrameReader(c);
      for (;;) {
        const o = await r.read();
        if (o.kind !== "frame") break;
        await writeAll(c, encodeFrame(new TextDecoder().decode(o.payload)));
      }
    })();
  }
})();
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "eval",
    `
import { ControlClient } from "${new URL("../lib/control/client.ts", import.meta.url).href}";
const c = await ControlClient.connect("${path}");
const s = [];
for (let i = 0; i < 20000; i++) { const t0 = performance.now(); await c.send({status:"success", data: 1}); s.push((performance.now()-t0)*1000); }
s.sort((a,b)=>a-b); console.log("echo p50", s[10000].toFixed(1), "p99", s[19800].toFixed(1)); c.close();
`,
  ],
}).spawn();
await child.status;
l.close();
