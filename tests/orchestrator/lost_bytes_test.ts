/** `log_dir` on a full filesystem: `logs` and `status` show the bytes its files lost. */

import assert from "node:assert/strict";
import { harness } from "./_helpers.ts";
import { CAN_MOUNT, mountTmpfs } from "../_tmpfs.ts";

Deno.test({
  name:
    "output: bytes log_dir cannot take are shown by logs (lost_bytes per stream) and status (log_lost_bytes)",
  ignore: !CAN_MOUNT,
  async fn() {
    await using fs = await mountTmpfs(64);
    if (fs === null) return;
    const h = await harness(() => ({
      log_dir: fs.path,
      agents: [{
        name: "loud",
        tool_call_template: {
          command: "sh",
          args: ["-c", "head -c 200000 /dev/zero | tr '\\0' x; echo; echo err >&2; sleep 30"],
        },
        stop_timeout: 1,
      }],
    }));
    try {
      const o = h.orchestrator;
      const end = Date.now() + 10_000;
      while (o.logs("loud").counters.stdout.bytes < 200_001) {
        assert.ok(Date.now() < end, "the agent printed its 200,001 bytes within 10 s");
        await new Promise((r) => setTimeout(r, 20));
      }
      const logs = o.logs("loud");
      const written = Deno.statSync(`${fs.path}/loud.stdout.log`).size;
      assert.ok(logs.lost_bytes.stdout > 100_000, `lost ${logs.lost_bytes.stdout}`);
      assert.equal(written + logs.lost_bytes.stdout, 200_001, "every byte written or counted");
      const status = o.status("loud");
      assert.equal(status.log_lost_bytes, logs.lost_bytes.stdout + logs.lost_bytes.stderr);
      assert.deepEqual(o.statusAll()[0].log_lost_bytes, status.log_lost_bytes);
    } finally {
      await h.close();
    }
  },
});
