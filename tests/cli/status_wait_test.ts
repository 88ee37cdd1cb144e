/**
 * `status --wait` gives up at once (exit 1) on agents that can never come up
 * by themselves — `failed` and `fatal` — and keeps waiting for the rest.
 */

import assert from "node:assert/strict";
import type { AgentStatus } from "../../lib/agent/info.ts";
import { neverUp } from "../../lib/cli/status.ts";
import { cli, startOrchestrator } from "./_orchestrator.ts";

function agent(name: string, state: string, reason: string | null, autostart = true): AgentStatus {
  return { name, agent_name: name, state, reason, autostart } as unknown as AgentStatus;
}

Deno.test("status --wait: failed and fatal agents can never come up; the rest may", () => {
  assert.deepEqual(
    neverUp({
      agents: [
        agent("a", "failed", "exited with code 1"),
        agent("b", "fatal", "exited with code 2; restarted 5 times within 60 s"),
        agent("c", "backoff", "exited with code 1; restarting in 1 s"),
        agent("d", "starting", null),
        agent("e", "failed", null, false), // not waited for
        agent("f", "completed", "exited with code 0"),
      ],
    }),
    [
      '"a" is failed (exited with code 1)',
      '"b" is fatal (exited with code 2; restarted 5 times within 60 s)',
    ],
  );
  assert.deepEqual(neverUp(agent("e", "failed", null, false)), ['"e" is failed']);
  assert.deepEqual(neverUp(agent("c", "backoff", null)), []);
});

Deno.test("cli: status --wait exits 1 at once on a fatal agent and its dependent", async () => {
  const o = await startOrchestrator({
    agents: [
      {
        name: "crash",
        // never ready: up only through its probe, which never passes before it exits
        readiness: { log_pattern: "^never$" },
        restart: "on-failure",
        max_restarts: 1,
        backoff: { initial: 0.05, max: 0.05 },
        tool_call_template: { call_template_type: "cli", command: "sh", args: ["-c", "exit 3"] },
      },
      {
        name: "after",
        depends_on: { crash: "ready" },
        tool_call_template: { call_template_type: "cli", command: "sleep", args: ["30"] },
      },
    ],
  });
  try {
    const started = Date.now();
    const res = await cli(["status", "--wait", "--timeout", "30", "--socket", o.socket]);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(
      res.stderr,
      'Not waiting: "crash" is fatal (exited with code 3; restarted 1 times within 60 s), ' +
        '"after" is failed (dependency "crash" is fatal), and cannot come up by themselves\n',
    );
    assert.ok(Date.now() - started < 20_000, "no waiting out the timeout");

    const one = await cli(["status", "crash", "--wait", "--json", "--socket", o.socket]);
    assert.equal(one.code, 1);
    assert.equal(JSON.parse(one.stdout).data.state, "fatal", "--json still prints the answer");
  } finally {
    await o.stop();
  }
});
