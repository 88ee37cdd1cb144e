/**
 * User patterns on the linear-time engine, end to end: a catastrophic input
 * pattern against a hostile `call` answers 400 at once while `ps` still
 * answers, and a log_pattern over hostile output still reaches ready.
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import type { ControlResponse } from "../../lib/control/protocol.ts";
import { startOrchestrator } from "../cli/_orchestrator.ts";
import { harness, sh } from "./_helpers.ts";

/** Exponential on a backtracking engine: ~2 s at 25 characters, doubling per character. */
const CATASTROPHIC = "^(\\w+\\s?)*$";

Deno.test("call: a hostile value against a catastrophic pattern answers 400 fast; ps still answers", async () => {
  const o = await startOrchestrator({
    agents: [{
      name: "echo",
      kind: "task",
      autostart: false,
      inputs: {
        type: "object",
        properties: { text: { type: "string", pattern: CATASTROPHIC } },
        required: ["text"],
      },
      tool_call_template: { command: "echo", args: ["text=${text}"] },
    }],
  });
  const clients: ControlClient[] = [];
  try {
    const call = await ControlClient.connect(o.socket, { timeoutMs: 20_000 });
    const ps = await ControlClient.connect(o.socket, { timeoutMs: 20_000 });
    clients.push(call, ps);
    const fine = await call.request("call", ["echo"], { inputs: { text: "hello world" } });
    assert.equal(fine.status, "success", JSON.stringify(fine));

    const started = performance.now();
    const answers = Promise.all([
      call.request("call", ["echo"], { inputs: { text: "a".repeat(40) + "!" } }),
      ps.request("ps"),
    ]);
    const [hostile, listing] = await answers as [ControlResponse, ControlResponse];
    const elapsed = performance.now() - started;
    assert.ok(hostile.status === "error", JSON.stringify(hostile));
    assert.equal(hostile.code, 400);
    assert.match(hostile.error, /must match pattern/);
    assert.equal(listing.status, "success", JSON.stringify(listing));
    assert.ok(elapsed < 1000, `answered after ${Math.round(elapsed)} ms`);
  } finally {
    for (const c of clients) c.close();
    // A daemon frozen in a regex ignores SIGTERM: the test must still end it.
    const killer = setTimeout(() => {
      try {
        o.child.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
    }, 5000);
    await o.stop();
    clearTimeout(killer);
  }
});

Deno.test("log_pattern: a catastrophic pattern over hostile output still reaches ready", async () => {
  const hostile = "a".repeat(26) + "!";
  const h = await harness(() => ({
    agents: [{
      name: "srv",
      readiness: { log_pattern: CATASTROPHIC },
      tool_call_template: sh(
        `echo '${hostile}'; echo '${hostile}' >&2; echo ready now; exec sleep 30`,
      ),
    }],
  }));
  try {
    const started = performance.now();
    const ready = await h.orchestrator.waitFor("srv", ["ready"], 5000);
    assert.equal(ready.state, "ready");
    assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
    assert.equal(h.events("AGENT_READY", "srv")[0].data.line, "ready now");
  } finally {
    await h.close();
  }
});
