/**
 * Call-time inputs of `start` and `restart` against the agent's schema. In a
 * file of its own so the first check loads ajv on demand (it is not loaded
 * at start-up).
 */

import assert from "node:assert/strict";
import type { OrchestratorError } from "../../lib/errors.ts";
import { inputsValidatorLoaded } from "../../lib/agent/inputs.ts";
import { harness } from "./_helpers.ts";

Deno.test("start and restart check inputs against the schema (400), loading ajv on demand", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "svc",
      autostart: false,
      inputs: {
        type: "object",
        properties: { n: { type: "string", pattern: "^[0-9]+$" } },
        required: ["n"],
      },
      values: { n: "30" },
      tool_call_template: { command: "sleep", args: ["${n}"] },
    }],
  }));
  try {
    assert.equal(inputsValidatorLoaded(), false, "no schema was checked yet");
    await assert.rejects(
      h.orchestrator.start("svc", { n: "x; rm -rf /" }),
      (e: OrchestratorError) => e.code === 400 && /must match pattern/.test(e.message),
    );
    assert.equal(inputsValidatorLoaded(), true);
    assert.equal(h.orchestrator.status("svc").state, "stopped", "nothing was queued");
    const s = await h.orchestrator.start("svc", { n: "31" });
    assert.equal(s.state, "running");
    await assert.rejects(
      h.orchestrator.restart("svc", { n: "-1" }),
      (e: OrchestratorError) => e.code === 400,
    );
    assert.equal(h.orchestrator.status("svc").pid, s.pid, "a refused restart leaves the run alone");
  } finally {
    await h.close();
  }
});
