/**
 * The `reload` command on the control socket (docs/protocol.md, `reload`):
 * without a reloader (an orchestrator not started by `run` from a file) it
 * answers 409; its arguments are checked before anything is read. The
 * reloader `run` provides is tested through a real run in
 * tests/cli/reload_test.ts.
 */

import assert from "node:assert/strict";
import { requestOnce } from "../../lib/control/client.ts";
import { startHarness } from "./_helpers.ts";

Deno.test("reload: 409 without a reloader; 400 for arguments, unknown options or a dry_run that is not a boolean", async () => {
  const h = await startHarness();
  try {
    const plain = await requestOnce(h.socket, { command: "reload" });
    assert.deepEqual(plain, {
      status: "error",
      code: 409,
      error: "Cannot reload: the orchestrator was not started from a config file",
    });
    const dry = await requestOnce(h.socket, { command: "reload", options: { dry_run: true } });
    assert.equal(dry.status === "error" && dry.code, 409);
    const cases: [Record<string, unknown>, string][] = [
      [{ args: ["x"] }, "Command 'reload' takes no arguments"],
      [{ options: { dry: true } }, "Unknown option \"dry\" for command 'reload' (known: dry_run)"],
      [{ options: { dry_run: "yes" } }, 'Option "dry_run" must be true or false'],
    ];
    for (const [request, error] of cases) {
      const answer = await requestOnce(h.socket, { command: "reload", ...request });
      assert.deepEqual(answer, { status: "error", code: 400, error });
    }
    const audit = Deno.readTextFileSync(`${h.dir}/audit.log`);
    assert.equal(audit.match(/command=reload result=error code=409/g)?.length, 2);
  } finally {
    await h.close();
  }
});
