/** The example shell scripts, each run against a real orchestrator. */

import assert from "node:assert/strict";
import { CLI, startOrchestrator } from "./_orchestrator.ts";

const SCRIPTS = new URL("../../examples/scripts/", import.meta.url).pathname;
const ORCHESTRATOR = `${Deno.execPath()} run -A ${CLI}`;

async function script(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command("bash", {
    args: [`${SCRIPTS}${name}`, ...args],
    env: { ORCHESTRATOR, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

const hasJq = new Deno.Command("sh", { args: ["-c", "command -v jq"], stdout: "null" })
  .outputSync().success;

Deno.test("scripts: connectivity_test.sh succeeds on a live socket, fails without one", async () => {
  const o = await startOrchestrator();
  try {
    const ok = await script("connectivity_test.sh", [o.socket], {});
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /Socket exists: .*\nCLI connection successful/);
    const missing = await script("connectivity_test.sh", [`${o.dir}/none.sock`], {});
    assert.equal(missing.code, 1);
    assert.match(missing.out, /Socket not found/);
  } finally {
    await o.stop();
  }
});

Deno.test({
  name: "scripts: ci_health_check.sh counts the agents that are up (needs jq)",
  ignore: !hasJq,
  async fn() {
    const o = await startOrchestrator();
    try {
      const env = { ORCHESTRATOR_SOCKET_PATH: o.socket, WAIT_SECONDS: "20" };
      // "web" autostarts; the "job" task does not run until called
      const one = await script("ci_health_check.sh", [], { ...env, EXPECTED_AGENTS: "1" });
      assert.equal(one.code, 0, one.out);
      assert.match(one.out, /All agents running/);
      const two = await script("ci_health_check.sh", [], { ...env, EXPECTED_AGENTS: "2" });
      assert.equal(two.code, 1);
      assert.match(two.out, /Only 1 agents running/);
    } finally {
      await o.stop();
    }
  },
});

Deno.test("scripts: graceful_deployment.sh shuts down, waits, then deploys", async () => {
  const o = await startOrchestrator();
  try {
    const res = await script("graceful_deployment.sh", [], {
      ORCHESTRATOR_SOCKET_PATH: o.socket,
      DEPLOY_CMD: "echo deployed-new-version",
      POLL_SECONDS: "0.2",
    });
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /Shutdown initiated/);
    assert.match(res.out, /deployed-new-version\n$/);
    assert.equal((await o.done).code, 0); // the orchestrator had exited before the deploy
    await assert.rejects(Deno.lstat(o.socket), Deno.errors.NotFound);
  } finally {
    await o.stop();
  }
});
