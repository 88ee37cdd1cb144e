/**
 * The orchestrator's own log lines on a full filesystem (docs/operations.md,
 * "Faults"): `run` with stderr appended to a file (`2>>`) on a tmpfs that
 * fills up writes every line whole or not at all, and says how many it lost.
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import { baseConfig, CLI, waitUntilServing, writeConfig } from "./_orchestrator.ts";
import { CAN_MOUNT, fill, mountTmpfs } from "../_tmpfs.ts";

/** A line as the stderr sink formats it. */
const LOG_LINE =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d \[(DBG|INF|WRN|ERR|FTL)\] orchestrator·\w+: /;

Deno.test({
  name:
    "log: stderr appended to a file on a full filesystem holds whole lines only, and a count of the lines lost",
  ignore: !CAN_MOUNT,
  async fn() {
    await using fs = await mountTmpfs(64);
    if (fs === null) return;
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ls" });
    const log = `${fs.path}/stderr.log`;
    try {
      const config = await writeConfig(dir, baseConfig(dir, { log_cli_commands: true }));
      const child = new Deno.Command("sh", {
        args: [
          "-c",
          `exec "$@" 2>>"${log}"`,
          "sh",
          Deno.execPath(),
          "run",
          "-A",
          CLI,
          "run",
          config,
        ],
        env: { NO_COLOR: "1" },
        stdout: "null",
        stderr: "null",
      }).spawn();
      const done = child.status.then((s) => ({ code: s.code, stdout: "", stderr: "" }));
      try {
        await waitUntilServing(`${dir}/o.sock`, done);
        const client = await ControlClient.connect(`${dir}/o.sock`);
        try {
          const ps = async (n: number) => {
            for (let i = 0; i < n; i++) {
              assert.equal((await client.request("ps")).status, "success");
            }
          };
          await ps(5);
          const filler = fill(fs.path);
          await ps(200);
          Deno.removeSync(filler);
          await ps(5);
        } finally {
          client.close();
        }
        child.kill("SIGTERM");
        assert.equal((await done).code, 0);
      } finally {
        try {
          child.kill("SIGKILL");
        } catch {
          // already exited
        }
        await done;
      }
      const text = await Deno.readTextFile(log);
      assert.ok(text.endsWith("\n"));
      const lines = text.split("\n").slice(0, -1);
      for (const line of lines) assert.match(line, LOG_LINE);
      const lost = lines.map((l) => /(\d+) log lines could not be written to stderr$/.exec(l))
        .filter((m) => m !== null);
      assert.equal(lost.length, 1, "one notice after the episode");
      const commands = lines.filter((l) => / command=ps /.test(l)).length;
      assert.equal(commands + Number(lost[0]![1]), 210, "every command line: written or counted");
      assert.match(lines.at(-1)!, /Shutdown complete$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
