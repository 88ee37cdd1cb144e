import assert from "node:assert/strict";
import { harness, sh } from "./_helpers.ts";

Deno.test("readiness by log line: starting -> ready when the pattern matches", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "srv",
      readiness: { log_pattern: "listening on \\d+" },
      tool_call_template: sh("echo booting; sleep 0.2; echo listening on 8080 >&2; exec sleep 30"),
    }],
  }));
  try {
    assert.equal(h.orchestrator.status("srv").state, "starting");
    assert.equal(h.orchestrator.status("srv").last_heartbeat, null);
    const ready = await h.orchestrator.waitFor("srv", ["ready"]);
    assert.notEqual(ready.last_heartbeat, null);
    const event = h.events("AGENT_READY", "srv")[0];
    assert.equal(event.data.line, "listening on 8080");
  } finally {
    await h.close();
  }
});

Deno.test("readiness by tcp: ready once the port accepts", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const server = `const l = Deno.listen({ hostname: "127.0.0.1", port: ${port} }); ` +
    `for await (const c of l) c.close();`;
  const h = await harness(() => ({
    agents: [{
      name: "tcp",
      readiness: { tcp: `127.0.0.1:${port}`, period: 0.05, timeout: 0.5 },
      tool_call_template: sh(`sleep 0.3; exec "$0" eval '${server}'`, {
        args: ["-c", `sleep 0.3; exec "$0" eval '${server}'`, Deno.execPath()],
      }),
    }],
  }));
  try {
    assert.equal(h.orchestrator.status("tcp").state, "starting");
    const ready = await h.orchestrator.waitFor("tcp", ["ready"], 10_000);
    assert.equal(ready.state, "ready");
    assert.match(String(h.events("AGENT_READY", "tcp")[0].data.reason), /tcp probe passed/);
  } finally {
    await h.close();
  }
});

Deno.test("readiness by exec: failure_threshold fails the agent", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "ex",
      restart: "no",
      readiness: { exec: ["false"], period: 0.05, failure_threshold: 3 },
      tool_call_template: { command: "sleep", args: ["30"] },
    }],
  }));
  try {
    const s = await h.orchestrator.waitFor("ex", ["failed"]);
    assert.match(s.reason ?? "", /readiness probe failed 3 times/);
  } finally {
    await h.close();
  }
});
