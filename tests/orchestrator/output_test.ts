import assert from "node:assert/strict";
import { harness, sh } from "./_helpers.ts";

Deno.test("output: a fast writer is read continuously and kept within the bound", async () => {
  const h = await harness(() => ({
    output_buffer_bytes: 4096,
    agents: [{
      name: "flood",
      kind: "task",
      autostart: false,
      // ~20 MB of output as fast as the pipe takes it, then a last line.
      tool_call_template: sh("yes 0123456789abcdefghij | head -c 20000000; echo; echo last line"),
    }],
  }));
  try {
    const result = await h.orchestrator.call("flood");
    assert.equal(result.return_code, 0);
    assert.ok(result.stdout.length <= 4096, `kept ${result.stdout.length} chars`);
    assert.ok(result.stdout.endsWith("last line\n"), "the newest output is kept");
    const logs = h.orchestrator.logs("flood", 2);
    assert.deepEqual(logs.stdout, ["0123456789abcdefghij", "last line"]);
    assert.equal(logs.truncated, true);
  } finally {
    await h.close();
  }
});

Deno.test("output: log_dir files are written and rotated at log_max_bytes", async () => {
  const h = await harness((dir) => ({
    log_dir: dir,
    log_max_bytes: 1000,
    log_max_files: 2,
    agents: [{
      name: "w",
      kind: "task",
      autostart: false,
      tool_call_template: sh(
        "i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; echo err >&2",
      ),
    }],
  }));
  try {
    const r = await h.orchestrator.call("w");
    assert.equal(r.return_code, 0);
    await h.orchestrator.shutdown("flush files");
    const files = [...Deno.readDirSync(h.dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["w.stderr.log", "w.stdout.log", "w.stdout.log.1", "w.stdout.log.2"]);
    for (const f of ["w.stdout.log", "w.stdout.log.1", "w.stdout.log.2"]) {
      assert.ok((await Deno.stat(`${h.dir}/${f}`)).size <= 1000, f);
    }
    assert.match(await Deno.readTextFile(`${h.dir}/w.stdout.log`), /line 499\n$/);
    assert.equal(await Deno.readTextFile(`${h.dir}/w.stderr.log`), "err\n");
  } finally {
    await h.close();
  }
});

Deno.test("output: capture_output false keeps nothing in memory", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "quiet",
      kind: "task",
      autostart: false,
      tool_call_template: sh("echo secret", { capture_output: false }),
    }],
  }));
  try {
    const r = await h.orchestrator.call("quiet");
    assert.equal(r.return_code, 0);
    assert.equal(r.stdout, "");
    assert.deepEqual(h.orchestrator.logs("quiet").stdout, []);
  } finally {
    await h.close();
  }
});
