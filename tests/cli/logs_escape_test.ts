/**
 * `orchestrator logs` of a real agent that prints terminal escape sequences
 * (docs/operations.md, "Faults"): escaped unless `--raw`; `--json` unchanged.
 */

import assert from "node:assert/strict";
import { cli, startOrchestrator } from "./_orchestrator.ts";
import { until } from "../orchestrator/_helpers.ts";

Deno.test("logs: escape sequences an agent prints (clear screen, window title) are shown escaped unless --raw; --json is unchanged", async () => {
  const o = await startOrchestrator({
    agents: [{
      name: "evil",
      tool_call_template: {
        call_template_type: "cli",
        command: "sh",
        args: [
          "-c",
          String.raw`printf '\033[2J\033]0;title\007hello\n'; printf '\302\233K\n' >&2; sleep 30`,
        ],
      },
    }],
  });
  try {
    let human = "";
    await until("the agent's output", async () => {
      human = (await cli(["logs", "evil", "--socket", o.socket])).stdout;
      return human.includes("hello");
    });
    const escaped = String.raw`\x1b[2J\x1b]0;title\x07hello`;
    assert.equal(
      human,
      `==> evil stdout <==\n${escaped}\n==> evil stderr <==\n${String.raw`\u009bK`}\n`,
    );
    assert.ok(
      !human.includes("\x1b") && !human.includes("\x07"),
      "no raw control byte reaches the terminal",
    );

    const raw = await cli(["logs", "evil", "--raw", "--socket", o.socket]);
    assert.equal(raw.code, 0);
    assert.ok(raw.stdout.includes("\x1b[2J\x1b]0;title\x07hello\n"));
    assert.ok(raw.stdout.includes("\u009bK\n"));

    const json = await cli(["logs", "evil", "--json", "--socket", o.socket]);
    assert.equal(json.code, 0);
    const data = JSON.parse(json.stdout).data;
    assert.deepEqual(data.stdout, ["\x1b[2J\x1b]0;title\x07hello"]);
    assert.deepEqual(data.stderr, ["\u009bK"]);
    assert.ok(json.stdout.includes(String.raw`\u001b[2J`), "JSON escapes it itself");

    const help = await cli(["logs", "--help"]);
    assert.match(help.stdout, /--raw/);
  } finally {
    await o.stop();
  }
});
